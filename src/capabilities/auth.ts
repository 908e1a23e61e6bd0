import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { parse as parseYaml } from "yaml";
import { GatewayError } from "../errors.ts";
import type { AuthDefinition } from "./schema.ts";

/** Where credentials come from; injectable for tests. */
export interface CredentialSources {
  env: Record<string, string | undefined>;
  /** Reads a file's text. @default readFileSync(path, "utf8") */
  readFile?: (path: string) => string;
}

function expandHome(path: string): string {
  return path === "~" || path.startsWith("~/") ? `${homedir()}${path.slice(1)}` : path;
}

function field(text: string, name: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed === "object" && parsed !== null) {
    let current: unknown = parsed;
    for (const part of name.split(".")) {
      current =
        typeof current === "object" && current !== null
          ? (current as Record<string, unknown>)[part]
          : undefined;
    }
    if (typeof current === "string" || typeof current === "number") return String(current);
  }
  // dotenv style: NAME=value
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*(?:export\s+)?([^=\s]+)\s*=\s*(.*)$/.exec(line);
    if (match && match[1] === name) return (match[2] ?? "").trim().replace(/^(['"])(.*)\1$/, "$2");
  }
  return undefined;
}

/** Splits `file:path[:field]`; the last `:segment` is a field when it looks like one. */
export function parseFileReference(reference: string): { path: string; field: string | undefined } {
  const rest = reference.slice("file:".length);
  const colon = rest.lastIndexOf(":");
  if (colon > 0) {
    const candidate = rest.slice(colon + 1);
    if (/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(candidate)) return { path: rest.slice(0, colon), field: candidate };
  }
  return { path: rest, field: undefined };
}

/** Describes a key reference without revealing anything it points at. */
export function describeReference(reference: string): string {
  if (reference.startsWith("env:")) return `environment variable ${reference.slice(4)}`;
  if (reference.startsWith("{env.")) return `environment variable ${reference.slice(5, -1)}`;
  if (reference.startsWith("file:")) {
    const { path, field: name } = parseFileReference(reference);
    return name ? `field "${name}" of ${path}` : `file ${path}`;
  }
  return `environment variable ${reference}`;
}

/** Reads the secret a key reference points at; undefined when it is not set. */
export function readCredential(reference: string, sources: CredentialSources): string | undefined {
  if (reference.startsWith("file:")) {
    const { path, field: name } = parseFileReference(reference);
    let text: string;
    try {
      text = (sources.readFile ?? ((p) => readFileSync(p, "utf8")))(expandHome(path));
    } catch {
      return undefined;
    }
    const value = name === undefined ? text.trim() : field(text, name);
    return value === "" ? undefined : value;
  }
  const variable = reference.startsWith("env:")
    ? reference.slice(4)
    : reference.startsWith("{env.")
      ? reference.slice(5, -1)
      : reference;
  const value = sources.env[variable];
  return value === "" ? undefined : value;
}

/** Header or query parameter to add for a capability's auth block. */
export type AuthPlacement =
  | { kind: "none" }
  | { kind: "header"; name: string; value: string }
  | { kind: "query"; name: string; value: string };

/**
 * Resolves a capability's credential into a header or query parameter.
 * @throws GatewayError INVALID_ARGUMENTS when a required credential is not set (naming where to set it)
 */
export function applyAuth(tool: string, auth: AuthDefinition, sources: CredentialSources): AuthPlacement {
  if (auth.type === "none" || auth.key === undefined) return { kind: "none" };
  const secret = readCredential(auth.key, sources);
  if (secret === undefined) {
    if (auth.required === false) return { kind: "none" };
    const how = auth.key.startsWith("file:")
      ? `put it in ${describeReference(auth.key)}`
      : `set ${describeReference(auth.key)} in the gateway's environment`;
    const where = auth.description ? ` (${auth.description})` : "";
    throw new GatewayError(
      "INVALID_ARGUMENTS",
      `${tool}: needs a credential: ${how}${where}, then call again`,
    );
  }
  if (auth.param) return { kind: "query", name: auth.param, value: secret };
  const header = auth.header ?? "Authorization";
  if (auth.type === "basic") {
    const encoded = Buffer.from(secret).toString("base64");
    return { kind: "header", name: header, value: `${auth.prefix ?? "Basic"} ${encoded}` };
  }
  const prefix = auth.prefix ?? (auth.type === "bearer" ? "Bearer" : "");
  return { kind: "header", name: header, value: prefix ? `${prefix} ${secret}` : secret };
}
