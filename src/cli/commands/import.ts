import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { defineCommand } from "citty";
import { GatewayError } from "../../errors.ts";
import { CLIENT_IDS, CLIENTS, type ClientId, clientForFile, currentPlatform } from "../../setup/clients.ts";
import { DEFAULT_DISCOVER_PORTS } from "../../setup/discover-ports.ts";
import { type ImportedServer, readClientServers } from "../../setup/read-client.ts";
import { didYouMean } from "../../suggest.ts";
import { assertKnownFlags } from "../flags.ts";
import { writeErrorLine } from "../output.ts";
import { importTarget, writeImport } from "./import-write.ts";

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
  discover: {
    type: "boolean",
    description:
      "Find MCP servers running on this machine (127.0.0.1: /mcp, /sse) instead of reading client files",
  },
  ports: {
    type: "string",
    description: `Ports --discover asks (default ${DEFAULT_DISCOVER_PORTS.join(",")}; ranges allowed: 8000-8010)`,
  },
  yes: { type: "boolean", alias: "y", description: "Add what --discover found without asking" },
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
  run: async ({ args: parsed, rawArgs }) => {
    assertKnownFlags(rawArgs, args);
    if (parsed.discover) {
      if (parsed.client || parsed.file)
        throw new GatewayError("USAGE", "--discover reads no client files: leave out the client and --file");
      const { importDiscovered } = await import("./import-discover.ts");
      await importDiscovered({
        config: parsed.config,
        ports: parsed.ports,
        yes: parsed.yes === true,
        dryRun: parsed["dry-run"] === true,
      });
      return;
    }
    if (parsed.ports || parsed.yes)
      throw new GatewayError("USAGE", `${parsed.ports ? "--ports" : "--yes"} goes with --discover`);
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
    writeImport(servers, { target: importTarget(parsed.config), dryRun: parsed["dry-run"] === true });
  },
});
