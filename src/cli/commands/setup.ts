import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { defineCommand } from "citty";
import { locateConfig } from "../../config/paths.ts";
import { resolveSettings } from "../../config/resolve.ts";
import { CLIENT_IDS, CLIENTS, type ClientId, currentPlatform } from "../../setup/clients.ts";
import { type GatewayLink, writeClientEntry } from "../../setup/export.ts";
import { importIntoConfig } from "../../setup/import.ts";
import { readClientServers } from "../../setup/read-client.ts";
import { assertKnownFlags } from "../flags.ts";
import { writeErrorLine, writeOutput } from "../output.ts";
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
  replace: {
    type: "boolean",
    description: "Move the client's own servers into gateway.yaml, so the client loads each tool once",
  },
  "dry-run": { type: "boolean", description: "Show what would be written; change nothing" },
} as const;

/**
 * The absolute command that starts this gateway (GUI clients often lack the shell's PATH): the compiled
 * binary, else the npm launcher that started us, else bun with this source tree, else `mcp-gateway` on PATH.
 */
export function gatewayCommand(): { command: string; args: string[] } {
  if (Bun.main.startsWith("/$bunfs/") || /^[A-Z]:[\\/]~BUN[\\/]/i.test(Bun.main))
    return { command: process.execPath, args: [] };
  const launcher = launcherCommand(process.env.MCP_GATEWAY_LAUNCHER);
  if (launcher) return launcher;
  if (/[\\/]src[\\/]main\.ts$/.test(Bun.main)) return { command: process.execPath, args: [Bun.main] };
  return { command: Bun.which("mcp-gateway") ?? "mcp-gateway", args: [] };
}

/** The npm launcher's `MCP_GATEWAY_LAUNCHER`: a JSON array of absolute paths (node, the script), or one path. */
export function launcherCommand(value: string | undefined): { command: string; args: string[] } | undefined {
  if (!value) return undefined;
  let parts: unknown = [value];
  if (value.startsWith("[")) {
    try {
      parts = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  if (!Array.isArray(parts) || parts.length === 0) return undefined;
  if (!parts.every((p): p is string => typeof p === "string" && isAbsolute(p))) return undefined;
  const [command, ...args] = parts as [string, ...string[]];
  return { command, args };
}

function undoCommand(backup: string, file: string): string {
  return process.platform === "win32" ? `copy /y "${backup}" "${file}"` : `cp '${backup}' '${file}'`;
}

/** `setup --replace`: the client's servers go into gateway.yaml; returns what the client file loses. */
function moveServers(
  client: ClientId,
  file: string,
  options: { config: string | undefined; dryRun: boolean },
): { remove: string[][]; lines: string[]; configPath: string } {
  const configPath = locateConfig({ flag: options.config }).path ?? resolve("gateway.yaml");
  if (!existsSync(file)) return { remove: [], lines: [], configPath };
  const found = readClientServers(client, file);
  for (const skip of found.skipped) writeErrorLine(`kept ${skip.name} in ${file}: ${skip.reason}`);
  if (found.servers.length === 0) return { remove: [], lines: [], configPath };
  const plan = importIntoConfig(found.servers, { file: configPath, dryRun: options.dryRun });
  const verb = options.dryRun ? "would move" : "moved";
  const names = plan.added.map((a) => (a.name === a.from.name ? a.name : `${a.from.name} (as ${a.name})`));
  const lines = [
    `${verb} ${found.servers.length} server${found.servers.length === 1 ? "" : "s"} from ${file} into ${configPath}: ${[...names, ...plan.unchanged].join(", ")}`,
  ];
  const secrets = Object.keys(plan.secrets);
  if (secrets.length > 0)
    lines.push(`secrets ${options.dryRun ? "would go" : "went"} to ${plan.envFile} (mode 0600)`);
  if (plan.backup) lines.push(`backup of ${configPath}: ${plan.backup}`);
  return { remove: found.servers.flatMap((s) => (s.at ? [s.at] : [])), lines, configPath };
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
    const dryRun = parsed["dry-run"] === true;
    const moved = parsed.replace
      ? moveServers(client, file, { config: parsed.config, dryRun })
      : { remove: [], lines: [], configPath: undefined };
    const settings =
      dryRun && moved.configPath ? undefined : resolveSettings({ config: moved.configPath ?? parsed.config });
    const configPath = moved.configPath ?? settings?.configPath;
    let link: GatewayLink;
    if (parsed.stdio || !def.http || client === "zed") {
      const configArgs = configPath ? ["--config", configPath] : [];
      const self = gatewayCommand();
      link = {
        kind: "stdio",
        command: self.command,
        args: [...self.args, "serve", "--stdio", ...configArgs],
      };
    } else {
      const { host, port } = (settings ?? resolveSettings({ config: parsed.config })).config.server;
      const hostPart =
        host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
      link = { kind: "http", url: parsed.url ?? `http://${hostPart}:${port}/mcp` };
    }
    const name = parsed.name ?? "mcp-gateway";
    const result = writeClientEntry(client, { file, name, link, dryRun, remove: moved.remove });
    const entry = JSON.stringify({ [name]: result.entry }, null, 2);
    const lines = dryRun
      ? [
          ...moved.lines,
          `would ${result.created ? "create" : "update"} ${file} with:`,
          entry,
          ...(moved.remove.length > 0
            ? [`and take out: ${moved.remove.map((p) => p.at(-1)).join(", ")}`]
            : []),
        ]
      : [
          ...moved.lines,
          `${result.replaced ? "updated" : "added"} "${name}" in ${file} (${def.label})${moved.remove.length > 0 ? `, which now loads only the gateway` : ""}`,
          ...(result.backup ? [`backup: ${result.backup}`] : []),
          ...(result.backup && moved.remove.length > 0
            ? [
                `undo: ${undoCommand(result.backup, file)}   (gateway.yaml keeps the servers; remove them or not)`,
              ]
            : []),
          link.kind === "http"
            ? `the gateway must be running: mcp-gateway serve${configPath ? ` --config ${configPath}` : ""}`
            : `${def.label} starts the gateway itself; restart ${def.label} to pick it up`,
        ];
    writeOutput(`${lines.join("\n")}\n`);
  },
});
