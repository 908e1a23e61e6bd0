import { resolve } from "node:path";
import { defineCommand } from "citty";
import { resolveSettings } from "../../config/resolve.ts";
import { CLIENT_IDS, CLIENTS, currentPlatform } from "../../setup/clients.ts";
import { type GatewayLink, writeClientEntry } from "../../setup/export.ts";
import { assertKnownFlags } from "../flags.ts";
import { writeOutput } from "../output.ts";
import { parseClient } from "./import.ts";

const args = {
  client: {
    type: "positional",
    required: true,
    description: "Client to configure",
    valueHint: CLIENT_IDS.join("|"),
  },
  file: {
    type: "string",
    alias: "f",
    description: "Client config file to edit (default: the client's user config)",
  },
  config: { type: "string", alias: "c", description: "The gateway's config (for its address, and --stdio)" },
  name: { type: "string", description: "Server name in the client (default mcp-gateway)" },
  url: { type: "string", description: "Gateway MCP URL (default http://<server.host>:<server.port>/mcp)" },
  stdio: {
    type: "boolean",
    description: "Let the client launch the gateway (serve --stdio) instead of using the URL",
  },
  "dry-run": { type: "boolean", description: "Show what would be written; change nothing" },
} as const;

/** The command that starts this gateway: the compiled binary itself, else `mcp-gateway` on PATH. */
function gatewayCommand(): string {
  const compiled = Bun.main.startsWith("/$bunfs/") || /^[A-Z]:[\\/]~BUN[\\/]/i.test(Bun.main);
  return compiled ? process.execPath : "mcp-gateway";
}

/** `mcp-gateway setup CLIENT`: write the gateway entry into a client's MCP config. */
export const setupCommand = defineCommand({
  meta: { name: "setup", description: "Add the gateway to an MCP client's config (with a backup)" },
  args,
  run: ({ args: parsed, rawArgs }) => {
    assertKnownFlags(rawArgs, args);
    const client = parseClient(parsed.client);
    const def = CLIENTS[client];
    const file = resolve(parsed.file ?? def.files(currentPlatform())[0] ?? "");
    const settings = resolveSettings({ config: parsed.config });
    let link: GatewayLink;
    if (parsed.stdio || !def.http || client === "zed") {
      const configArgs = settings.configPath ? ["--config", settings.configPath] : [];
      link = { kind: "stdio", command: gatewayCommand(), args: ["serve", "--stdio", ...configArgs] };
    } else {
      const { host, port } = settings.config.server;
      const hostPart =
        host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
      link = { kind: "http", url: parsed.url ?? `http://${hostPart}:${port}/mcp` };
    }
    const name = parsed.name ?? "mcp-gateway";
    const result = writeClientEntry(client, { file, name, link, dryRun: parsed["dry-run"] === true });
    const entry = JSON.stringify({ [name]: result.entry }, null, 2);
    const lines = parsed["dry-run"]
      ? [`would ${result.created ? "create" : "update"} ${file} with:`, entry]
      : [
          `${result.replaced ? "updated" : "added"} "${name}" in ${file} (${def.label})`,
          ...(result.backup ? [`backup: ${result.backup}`] : []),
          link.kind === "http"
            ? `the gateway must be running: mcp-gateway serve${settings.configPath ? ` --config ${settings.configPath}` : ""}`
            : `${def.label} starts the gateway itself; restart ${def.label} to pick it up`,
        ];
    writeOutput(`${lines.join("\n")}\n`);
  },
});
