import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { defineCommand } from "citty";
import { locateConfig } from "../../config/paths.ts";
import { GatewayError } from "../../errors.ts";
import { CLIENT_IDS, CLIENTS, type ClientId, clientForFile, currentPlatform } from "../../setup/clients.ts";
import { importIntoConfig } from "../../setup/import.ts";
import { type ImportedServer, readClientServers } from "../../setup/read-client.ts";
import { didYouMean } from "../../suggest.ts";
import { assertKnownFlags } from "../flags.ts";
import { writeErrorLine, writeOutput } from "../output.ts";

const args = {
  client: {
    type: "positional",
    required: false,
    description: "Client to import from (default: every one found)",
    valueHint: CLIENT_IDS.join("|"),
  },
  file: {
    type: "string",
    alias: "f",
    description: "Read this client config file instead of the usual places",
  },
  config: {
    type: "string",
    alias: "c",
    description: "gateway.yaml to add to (default: the one found, else ./gateway.yaml)",
  },
  "dry-run": {
    type: "boolean",
    description: "Print the resulting gateway.yaml (secrets masked); write nothing",
  },
} as const;

/** Parses a client name with a did-you-mean. @throws GatewayError USAGE */
export function parseClient(name: string): ClientId {
  if ((CLIENT_IDS as readonly string[]).includes(name)) return name as ClientId;
  throw new GatewayError(
    "USAGE",
    `unknown client "${name}"${didYouMean(name, CLIENT_IDS)} (known: ${CLIENT_IDS.join(", ")})`,
  );
}

/** `mcp-gateway import`: copy MCP servers from client configs into gateway.yaml. */
export const importCommand = defineCommand({
  meta: {
    name: "import",
    description: "Import MCP servers from Claude, Cursor, VS Code, Windsurf or Zed configs",
  },
  args,
  run: ({ args: parsed, rawArgs }) => {
    assertKnownFlags(rawArgs, args);
    const ctx = currentPlatform();
    let sources: { client: ClientId; file: string }[];
    if (parsed.file) {
      const file = resolve(parsed.file);
      const client = parsed.client ? parseClient(parsed.client) : clientForFile(file);
      if (!client)
        throw new GatewayError(
          "USAGE",
          `cannot tell which client ${file} belongs to; name it: mcp-gateway import <client> --file …`,
        );
      if (!existsSync(file)) throw new GatewayError("USAGE", `${file} does not exist`);
      sources = [{ client, file }];
    } else {
      const clients = parsed.client ? [parseClient(parsed.client)] : [...CLIENT_IDS];
      sources = clients.flatMap((client) =>
        CLIENTS[client]
          .files(ctx)
          .filter(existsSync)
          .map((file) => ({ client, file })),
      );
      if (sources.length === 0) {
        const looked = clients.flatMap((c) => CLIENTS[c].files(ctx));
        throw new GatewayError(
          "USAGE",
          `no client config found (looked in ${looked.join(", ")}); point at one with --file`,
        );
      }
    }
    const servers: ImportedServer[] = [];
    for (const source of sources) {
      const found = readClientServers(source.client, source.file);
      servers.push(...found.servers);
      for (const skip of found.skipped)
        writeErrorLine(`skipped ${skip.name} (${source.file}): ${skip.reason}`);
    }
    const location = locateConfig({ flag: parsed.config });
    const target = location.path ?? resolve("gateway.yaml");
    const plan = importIntoConfig(servers, { file: target, dryRun: parsed["dry-run"] === true });
    if (parsed["dry-run"]) writeOutput(plan.maskedText);
    const lines = plan.added.map(({ name, from }) => {
      const notes = from.notes.length > 0 ? ` — ${from.notes.join("; ")}` : "";
      return `  + ${name}  (${CLIENTS[from.client].label}: ${from.file})${notes}`;
    });
    for (const name of plan.unchanged) lines.push(`  = ${name}  (already in ${target})`);
    const verb = parsed["dry-run"] ? "would add" : "added";
    const summary = [
      `${verb} ${plan.added.length} server${plan.added.length === 1 ? "" : "s"} to ${target}`,
      ...lines,
    ];
    const secrets = Object.keys(plan.secrets);
    if (secrets.length > 0)
      summary.push(
        `${parsed["dry-run"] ? "would move" : "moved"} ${secrets.length} secret${secrets.length === 1 ? "" : "s"} to ${plan.envFile} (mode 0600, read by the gateway): ${secrets.map((v) => `\${${v}}`).join(", ")}`,
      );
    if (plan.backup) summary.push(`backup of the previous file: ${plan.backup}`);
    if (!parsed["dry-run"] && plan.added.length > 0)
      summary.push(`next: mcp-gateway doctor --config ${target}`);
    const text = `${summary.join("\n")}\n`;
    if (parsed["dry-run"]) writeErrorLine(text.trimEnd());
    else writeOutput(text);
  },
});
