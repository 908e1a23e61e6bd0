import { existsSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { CONFIG_SCHEMA_URL } from "../config/json-schema.ts";
import { GatewayError } from "../errors.ts";

// The first line tells editors with the YAML language server (VS Code's YAML extension, Zed, Neovim, …)
// which JSON Schema to complete and check this file against.
const HEADER = `# yaml-language-server: $schema=${CONFIG_SCHEMA_URL}
# mcp-gateway configuration. Every key is optional; the values shown are the defaults.
# Check it with: mcp-gateway doctor --config <this file>
# \${VAR} and \${VAR:-default} expand from the environment; an unset \${VAR} without a default is an error.

server:
  host: 127.0.0.1          # keep loopback unless something in front of the gateway authenticates callers
  port: 39400              # clients connect to http://127.0.0.1:39400/mcp
  request_timeout: 30s     # per call to a backend (100ms, 30s, 5m, 1h)
  shutdown_timeout: 30s    # how long in-flight calls may finish on SIGTERM

meta_mcp:
  enabled: true            # 4 meta-tools instead of every backend tool (false: every tool as <server>__<tool>)
  cache_ttl: 5m            # how long a backend's tool list counts as fresh
`;

const NO_EXAMPLES = `
# Each backend is an MCP server: \`command\` for stdio servers, \`http_url\` for Streamable HTTP or SSE ones.
# Import the servers your MCP clients already use with: mcp-gateway import
backends: {}
#  memory:
#    command: "npx -y @modelcontextprotocol/server-memory"
#    description: "Knowledge graph memory"
`;

const EXAMPLES = `
# Each backend is an MCP server: \`command\` for stdio servers, \`http_url\` for Streamable HTTP or SSE ones.
# These three are the reference servers, fetched by npx on first start (needs Node.js and network once).
backends:
  everything:
    command: "npx -y @modelcontextprotocol/server-everything stdio"
    description: "Reference server: echo, add, long-running operations, images, resources"
  memory:
    command: "npx -y @modelcontextprotocol/server-memory"
    description: "Knowledge graph memory: entities, relations, observations"
    env:
      MEMORY_FILE_PATH: "\${MEMORY_FILE_PATH:-/tmp/mcp-gateway-memory.jsonl}"
  filesystem:
    command: "npx -y @modelcontextprotocol/server-filesystem"
    args: ["\${MCP_GATEWAY_FS_ROOT:-.}"]   # the directory it may read and write
    description: "Read, write, search and list files under one directory"

  # A server that needs a secret: keep the value in the environment, not in this file.
  # github:
  #   command: "npx -y @modelcontextprotocol/server-github"
  #   env:
  #     GITHUB_PERSONAL_ACCESS_TOKEN: "\${GITHUB_TOKEN}"
  #
  # A remote server over Streamable HTTP (a URL ending in /sse selects the legacy SSE transport):
  # docs:
  #   http_url: "http://127.0.0.1:8080/mcp"
  #   headers:
  #     Authorization: "Bearer \${DOCS_TOKEN}"
  #   timeout: 10s
`;

/** The text `mcp-gateway init` writes: a valid config, commented key by key. */
export function initConfigText(options: { withExamples: boolean }): string {
  return HEADER + (options.withExamples ? EXAMPLES : NO_EXAMPLES);
}

/**
 * Writes the starter config (or returns it for `-`).
 * @throws GatewayError USAGE when the file exists and `force` is not set
 */
export function writeInitConfig(options: {
  output: string;
  withExamples: boolean;
  force: boolean;
  cwd?: string;
}): { path: string | undefined; text: string } {
  const text = initConfigText(options);
  if (options.output === "-") return { path: undefined, text };
  const path = resolve(options.cwd ?? process.cwd(), options.output);
  if (existsSync(path) && !options.force) {
    throw new GatewayError(
      "USAGE",
      `${path} already exists (use --force to overwrite, or --output elsewhere)`,
    );
  }
  writeFileSync(path, text, { flag: options.force ? "w" : "wx" });
  return { path, text };
}
