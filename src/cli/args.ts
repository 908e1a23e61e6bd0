import type { ArgsDef } from "citty";

/** Flags of `mcp-gateway serve` (also accepted with no subcommand). */
export const serveArgs = {
  config: { type: "string", alias: "c", description: "Config file (YAML); default: see README" },
  port: { type: "string", alias: "p", description: "Port to listen on (default 39400)" },
  host: { type: "string", description: "Address to bind (default 127.0.0.1)" },
  "log-level": { type: "string", description: "debug | info | warn | error" },
  "log-format": { type: "string", description: "text | json" },
  "meta-mcp": {
    type: "boolean",
    default: true,
    description: "Expose the 4 meta-tools; --no-meta-mcp exposes every tool as <server>__<tool>",
  },
  stdio: { type: "boolean", description: "Serve MCP on stdin/stdout instead of HTTP" },
  "allow-unauthenticated": {
    type: "boolean",
    description:
      "Listen beyond loopback without an auth: section (anyone who reaches the port may call every tool)",
  },
} as const satisfies ArgsDef;
