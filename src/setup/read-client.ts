import { readFileSync } from "node:fs";
import { basename, dirname } from "node:path";
import { type ParseError, parse, printParseErrorCode } from "jsonc-parser";
import { GatewayError } from "../errors.ts";
import { CLIENTS, type ClientId } from "./clients.ts";

/** A server found in a client's config, already in the gateway's terms. */
export interface ImportedServer {
  name: string;
  /** The client whose file held it, or `local` for a server found running (`import --discover`). */
  client: ClientId | "local";
  /** That file, or the server's URL. */
  file: string;
  /** What goes under `backends.<name>` in gateway.yaml. */
  backend: Record<string, unknown>;
  notes: string[];
  /** JSON path of the entry in its file (for `setup --replace`, which removes it). */
  at?: string[];
}

/** Reads a JSON or JSONC (comments, trailing commas) file. @throws GatewayError CONFIG_INVALID */
export function readJsonc(file: string, text = readFileSync(file, "utf8")): unknown {
  const errors: ParseError[] = [];
  const value: unknown = parse(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length > 0) {
    const first = errors[0];
    const line = first ? text.slice(0, first.offset).split("\n").length : 0;
    throw new GatewayError(
      "CONFIG_INVALID",
      `${file}:${line}: ${first ? printParseErrorCode(first.error) : "invalid JSON"}`,
    );
  }
  return value;
}

function dig(value: unknown, path: readonly string[]): unknown {
  let node = value;
  for (const key of path) {
    if (typeof node !== "object" || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(record(value) ?? {}))
    if (v !== undefined && v !== null) out[k] = String(v);
  return out;
}

/** Rewrites editor variables (`${env:X}`, `${input:x}`, `${workspaceFolder}`) into the gateway's `${X}`. */
export function convertVariables(
  text: string,
  context: { workspace: string | undefined; notes: string[] },
): string {
  return text.replace(/\$\{([A-Za-z]+)(?::([^}]*))?\}/g, (whole, kind: string, arg: string | undefined) => {
    if (kind === "env" && arg) return `\${${arg}}`;
    if (kind === "workspaceFolder" && arg === undefined) {
      if (context.workspace !== undefined) return context.workspace;
      const note = `\${workspaceFolder} in a user-level config names no one folder: it became \${WORKSPACE_FOLDER}; set it`;
      if (!context.notes.includes(note)) context.notes.push(note);
      return `\${WORKSPACE_FOLDER}`;
    }
    if (kind === "userHome" && arg === undefined) return "$" + "{HOME}";
    if (kind === "input" && arg) {
      const variable = arg.toUpperCase().replace(/[^A-Z0-9_]/g, "_");
      context.notes.push(
        `prompted input "${arg}" became \${${variable}}: set it in the gateway's environment`,
      );
      return `\${${variable}}`;
    }
    return whole;
  });
}

function deepConvert<T>(value: T, context: { workspace: string | undefined; notes: string[] }): T {
  if (typeof value === "string") return convertVariables(value, context) as T;
  if (Array.isArray(value)) return value.map((v) => deepConvert(v, context)) as T;
  const obj = record(value);
  if (obj) return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, deepConvert(v, context)])) as T;
  return value;
}

/** Converts one client entry; returns undefined (with a note) for entries the gateway cannot run. */
export function convertEntry(
  raw: Record<string, unknown>,
  notes: string[],
): Record<string, unknown> | undefined {
  // Zed's older shape nests the command: { command: { path, args, env } }.
  const nested = record(raw.command);
  const command = nested ? nested.path : raw.command;
  const args = strings(nested ? nested.args : raw.args);
  const env = stringMap(nested ? nested.env : raw.env);
  const url = raw.url ?? raw.serverUrl ?? raw.httpUrl;
  const backend: Record<string, unknown> = {};
  if (typeof command === "string" && command !== "") {
    backend.command = command;
    if (args.length > 0) backend.args = args;
    if (Object.keys(env).length > 0) backend.env = env;
    if (typeof raw.cwd === "string") backend.cwd = raw.cwd;
    if (typeof raw.envFile === "string")
      notes.push(`envFile ${raw.envFile} is not read by the gateway; copy its variables`);
  } else if (typeof url === "string" && url !== "") {
    backend.http_url = url;
    const headers = stringMap(raw.headers);
    if (Object.keys(headers).length > 0) backend.headers = headers;
    if (raw.type === "sse" || raw.transport === "sse") backend.transport = "sse";
    if (raw.type === "http" || raw.type === "streamable-http") backend.transport = "streamable-http";
  } else {
    notes.push(
      raw.source === "extension"
        ? "provided by an editor extension, not a command"
        : "has neither a command nor a url",
    );
    return undefined;
  }
  if (raw.disabled === true || raw.enabled === false) backend.enabled = false;
  return backend;
}

/** True for an entry that launches or points at mcp-gateway itself (importing it would loop). */
function isGatewayEntry(backend: Record<string, unknown>): boolean {
  const command = typeof backend.command === "string" ? backend.command : "";
  return /(^|[/\\])mcp-gateway(\.exe)?$/.test(command) || strings(backend.args).includes("mcp-gateway");
}

/** Reads the MCP servers of one client config file. */
export function readClientServers(
  client: ClientId,
  file: string,
  options: { text?: string } = {},
): { servers: ImportedServer[]; skipped: { name: string; reason: string }[] } {
  const root = readJsonc(file, options.text);
  const def = CLIENTS[client];
  const maps: { map: Record<string, unknown>; at: string[] }[] = [];
  const top = record(dig(root, def.serversKey(file)));
  if (top) maps.push({ map: top, at: def.serversKey(file) });
  // Claude Code keeps per-project servers in ~/.claude.json under projects.<path>.mcpServers.
  if (client === "claude-code") {
    for (const [path, project] of Object.entries(record(dig(root, ["projects"])) ?? {})) {
      const servers = record(record(project)?.mcpServers);
      if (servers) maps.push({ map: servers, at: ["projects", path, "mcpServers"] });
    }
  }
  // Only a project's own file (.vscode/mcp.json, .cursor/mcp.json, .mcp.json) knows its workspace folder.
  const folder = basename(dirname(file));
  const workspace =
    basename(file) === ".mcp.json"
      ? dirname(file)
      : folder === ".vscode" || folder === ".cursor"
        ? dirname(dirname(file))
        : undefined;
  const servers: ImportedServer[] = [];
  const skipped: { name: string; reason: string }[] = [];
  for (const { map, at } of maps) {
    for (const [name, value] of Object.entries(map)) {
      const entry = record(value);
      const notes: string[] = [];
      const backend = entry ? convertEntry(entry, notes) : undefined;
      if (!backend) {
        skipped.push({ name, reason: notes.join("; ") || "not an object" });
        continue;
      }
      if (isGatewayEntry(backend)) {
        skipped.push({ name, reason: "it is mcp-gateway itself" });
        continue;
      }
      const converted = deepConvert(backend, { workspace, notes });
      servers.push({ name, client, file, backend: converted, notes, at: [...at, name] });
    }
  }
  return { servers, skipped };
}
