import { defineCommand } from "citty";
import { keysFilePath } from "../../auth/keys.ts";
import { addKey, listKeys, parseRate, revokeKey, rotateKey } from "../../auth/manage.ts";
import { loadConfigFile } from "../../config/load.ts";
import { locateConfig } from "../../config/paths.ts";
import { GatewayError } from "../../errors.ts";
import { assertKnownFlags } from "../flags.ts";
import { writeErrorLine, writeOutput } from "../output.ts";

const fileArgs = {
  config: { type: "string", alias: "c", description: "Config file; the keys file sits beside it" },
} as const;
const nameArg = { name: { type: "positional", description: "Key name", required: true } } as const;
const addArgs = {
  ...nameArg,
  ...fileArgs,
  scope: {
    type: "string",
    description: "admin, profile:NAME, a server or server/tool (globs); repeat or comma-separate",
  },
  rate: { type: "string", description: "Requests per second to backends, e.g. 10/s or 600/m" },
} as const;

/** The keys file of the config the flags (or the search path) name. */
function keysPath(config: string | undefined): string {
  const location = locateConfig({ flag: config });
  if (!location.path) {
    throw new GatewayError(
      "CONFIG_NOT_FOUND",
      `no config file found (looked in: ${location.searched.join(", ")}); the keys file lives beside it: pass --config`,
    );
  }
  return keysFilePath(location.path, loadConfigFile(location.path).config.auth?.keys_file);
}

/** Every `--scope` value (repeatable, comma-separated); citty keeps only one. */
function scopesOf(rawArgs: readonly string[]): string[] {
  const scopes: string[] = [];
  rawArgs.forEach((arg, i) => {
    const value = arg.startsWith("--scope=") ? arg.slice(8) : arg === "--scope" ? rawArgs[i + 1] : undefined;
    if (value !== undefined)
      scopes.push(
        ...value
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean),
      );
  });
  return scopes;
}

const add = defineCommand({
  meta: { name: "add", description: "Create a key; it is printed once and only its hash is stored" },
  args: addArgs,
  run: async ({ args, rawArgs }) => {
    assertKnownFlags(rawArgs, addArgs);
    const path = keysPath(args.config);
    const rate = args.rate === undefined ? undefined : parseRate(args.rate);
    const key = await addKey(path, args.name, { scopes: scopesOf(rawArgs), rate });
    writeOutput(`${key}\n`);
    writeErrorLine(`key "${args.name}" added to ${path}; it is shown only now — store it somewhere safe`);
  },
});

const list = defineCommand({
  meta: { name: "list", description: "Show the keys (names, ids, scopes; never secrets)" },
  args: { ...fileArgs, json: { type: "boolean", description: "Print JSON" } },
  run: ({ args, rawArgs }) => {
    assertKnownFlags(rawArgs, { ...fileArgs, json: { type: "boolean" } });
    const keys = listKeys(keysPath(args.config));
    if (args.json) {
      writeOutput(`${JSON.stringify(keys, null, 2)}\n`);
      return;
    }
    if (keys.length === 0) {
      writeOutput("no keys (create one with: mcp-gateway keys add NAME --scope admin)\n");
      return;
    }
    for (const k of keys) {
      const rate = k.rate === undefined ? "" : `  rate=${k.rate}/s`;
      writeOutput(`${k.name}  mgw_${k.id}_…  ${k.scopes.join(",")}${rate}  created ${k.created}\n`);
    }
  },
});

const revoke = defineCommand({
  meta: { name: "revoke", description: "Delete a key; a running gateway refuses it within a second" },
  args: { ...nameArg, ...fileArgs },
  run: ({ args, rawArgs }) => {
    assertKnownFlags(rawArgs, fileArgs);
    const path = keysPath(args.config);
    revokeKey(path, args.name);
    writeErrorLine(`key "${args.name}" revoked in ${path}`);
  },
});

const rotate = defineCommand({
  meta: {
    name: "rotate",
    description: "Replace a key's secret, keeping its name and scopes; prints the new key",
  },
  args: { ...nameArg, ...fileArgs },
  run: async ({ args, rawArgs }) => {
    assertKnownFlags(rawArgs, fileArgs);
    const path = keysPath(args.config);
    writeOutput(`${await rotateKey(path, args.name)}\n`);
    writeErrorLine(`key "${args.name}" rotated in ${path}; the old key no longer works`);
  },
});

/** `mcp-gateway keys add | list | revoke | rotate`: the API keys of the config's `auth:` section. */
export const keysCommand = defineCommand({
  meta: { name: "keys", description: "Manage API keys (add, list, revoke, rotate)" },
  subCommands: { add, list, revoke, rotate },
});
