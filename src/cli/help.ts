import { homedir } from "node:os";
import { defaultConfigCandidates } from "../config/paths.ts";
import { cacheDir, dataDir } from "../user-dirs.ts";

/** Examples shown under `--help`, per command path (`""` is the root). */
const EXAMPLES: Record<string, string[]> = {
  "": [
    "mcp-gateway init && mcp-gateway import        # a gateway.yaml with your clients' servers",
    `mcp-gateway doctor                            # check it: config, unset \${VARS}, port, each backend`,
    "mcp-gateway setup cursor --replace            # point Cursor at the gateway instead of its servers",
    "mcp-gateway serve --config gateway.yaml       # or just: mcp-gateway",
    "mcp-gateway tools search 'create an issue'    # the meta-tools from the shell",
  ],
  serve: ["mcp-gateway serve --port 39400", "mcp-gateway serve --stdio --config ~/gateway.yaml"],
  setup: [
    "mcp-gateway setup claude-code --dry-run",
    "mcp-gateway setup cursor --replace            # move Cursor's servers behind the gateway",
    "mcp-gateway setup claude-desktop              # Claude Desktop launches the gateway itself",
  ],
  import: [
    "mcp-gateway import --dry-run",
    "mcp-gateway import vscode --file .vscode/mcp.json",
    "mcp-gateway import --discover --ports 3000-3010 --yes",
  ],
  servers: ["mcp-gateway servers", "mcp-gateway servers --url http://127.0.0.1:39400/mcp --json"],
  tools: [
    "mcp-gateway tools search 'read a file' -n 5",
    "mcp-gateway tools list everything",
    `mcp-gateway tools call everything echo --args '{"message": "hi"}'`,
  ],
  doctor: ["mcp-gateway doctor", "mcp-gateway doctor --config gateway.yaml --json"],
  stats: ["mcp-gateway stats", "mcp-gateway stats --server github --json"],
  config: ["mcp-gateway config export", "mcp-gateway config export --config gateway.yaml --json"],
};

/** The extra `--help` text for a command: examples, and for the root the environment and default paths. */
export function helpFooter(path: readonly string[]): string {
  const examples = EXAMPLES[path.join(" ")] ?? EXAMPLES[path[0] ?? ""] ?? [];
  const sections: string[] = [];
  if (examples.length > 0) sections.push(["EXAMPLES", "", ...examples.map((e) => `  ${e}`)].join("\n"));
  if (path.length === 0) {
    const configs = defaultConfigCandidates({ cwd: process.cwd(), home: homedir() });
    sections.push(
      [
        "ENVIRONMENT",
        "",
        "  MCP_GATEWAY_CONFIG      config file (same as --config)",
        "  MCP_GATEWAY_PORT, MCP_GATEWAY_HOST, MCP_GATEWAY_LOG_LEVEL, MCP_GATEWAY_LOG_FORMAT   override the config",
        `  MCP_GATEWAY_CACHE_DIR   tool manifests (now: ${cacheDir()})`,
        `  MCP_GATEWAY_DATA_DIR    usage statistics (now: ${dataDir()})`,
        "  NO_COLOR                no colours (also off when output is not a terminal)",
        "",
        "CONFIG FILE (the first that exists, unless --config or MCP_GATEWAY_CONFIG names one)",
        "",
        ...configs.map((c) => `  ${c}`),
        `  \${VARS} in it also come from the .env file beside it (gateway.yaml → gateway.env)`,
      ].join("\n"),
    );
  }
  return sections.length > 0 ? `${sections.join("\n\n")}\n` : "";
}
