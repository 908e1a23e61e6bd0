import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { applyEdits, modify } from "jsonc-parser";
import { GatewayError } from "../errors.ts";
import { backupFile } from "./backup.ts";
import { CLIENTS, type ClientId } from "./clients.ts";
import { readJsonc } from "./read-client.ts";

/** How a client should reach the gateway. */
export type GatewayLink =
  | { kind: "http"; url: string }
  | { kind: "stdio"; command: string; args: readonly string[] };

/** The entry a client needs for the gateway, in that client's own format. */
export function clientEntry(client: ClientId, link: GatewayLink): Record<string, unknown> {
  if (link.kind === "stdio") {
    const base = { command: link.command, args: [...link.args] };
    if (client === "vscode" || client === "claude-code") return { type: "stdio", ...base };
    if (client === "zed") return { source: "custom", ...base, env: {} };
    return base;
  }
  if (!CLIENTS[client].http) {
    throw new GatewayError(
      "USAGE",
      `${CLIENTS[client].label} only launches servers as commands; use --stdio`,
    );
  }
  if (client === "windsurf") return { serverUrl: link.url };
  if (client === "vscode" || client === "claude-code") return { type: "http", url: link.url };
  return { url: link.url };
}

/** Result of writing (or planning to write) the gateway entry. */
export interface SetupResult {
  file: string;
  entry: Record<string, unknown>;
  text: string;
  backup: string | undefined;
  created: boolean;
  /** An entry of that name existed and was replaced. */
  replaced: boolean;
}

/**
 * Puts the gateway entry into a client config, keeping its comments and formatting (JSONC edit).
 * @throws GatewayError CONFIG_INVALID when the existing file is not valid JSON(C)
 */
export function writeClientEntry(
  client: ClientId,
  options: {
    file: string;
    name: string;
    link: GatewayLink;
    dryRun: boolean;
    now?: () => Date;
    /** JSON paths of entries to take out in the same edit (the servers `--replace` moved). */
    remove?: readonly string[][];
  },
): SetupResult {
  const created = !existsSync(options.file);
  const before = created ? "{}\n" : readFileSync(options.file, "utf8");
  const parsed = readJsonc(options.file, before.trim() === "" ? "{}" : before);
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new GatewayError("CONFIG_INVALID", `${options.file}: expected a JSON object at the top`);
  }
  const key = CLIENTS[client].serversKey(options.file);
  let node: unknown = parsed;
  for (const k of [...key, options.name]) node = (node as Record<string, unknown> | undefined)?.[k];
  const entry = clientEntry(client, options.link);
  const formattingOptions = { insertSpaces: true, tabSize: 2, eol: "\n" };
  let text = before.trim() === "" ? "{}" : before;
  for (const path of options.remove ?? [])
    text = applyEdits(text, modify(text, path, undefined, { formattingOptions }));
  text = applyEdits(text, modify(text, [...key, options.name], entry, { formattingOptions }));
  const result = {
    file: options.file,
    entry,
    text,
    backup: undefined,
    created,
    replaced: node !== undefined,
  };
  if (options.dryRun) return result;
  mkdirSync(dirname(options.file), { recursive: true });
  const backup = backupFile(options.file, options.now);
  writeFileSync(options.file, text.endsWith("\n") ? text : `${text}\n`);
  return { ...result, backup };
}
