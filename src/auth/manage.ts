import { GatewayError } from "../errors.ts";
import { createKey, type KeyRecord, readKeyFile, writeKeyFile } from "./keys.ts";

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const SCOPE = /^(admin|profile:[A-Za-z0-9][A-Za-z0-9_.-]*|[A-Za-z0-9_.*?-]+(\/[A-Za-z0-9_.*?-]+)?)$/;

/** A key as `keys list` shows it (never the hash). */
export interface KeySummary {
  name: string;
  id: string;
  scopes: string[];
  rate?: number | undefined;
  created: string;
  rotated?: string | undefined;
}

/**
 * Parses `--rate`: `10`, `10/s`, `600/m` or `3600/h`, to requests per second.
 * @throws GatewayError USAGE
 */
export function parseRate(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(?:\/(s|m|h))?$/.exec(text.trim());
  const value = match ? Number(match[1]) : Number.NaN;
  if (!match || !(value > 0)) {
    throw new GatewayError("USAGE", `--rate must look like 10/s, 600/m or 3600/h (got "${text}")`);
  }
  return value / { s: 1, m: 60, h: 3600 }[(match[2] ?? "s") as "s" | "m" | "h"];
}

function checkScopes(scopes: readonly string[]): void {
  if (scopes.length === 0) {
    throw new GatewayError(
      "USAGE",
      "give at least one --scope: admin, profile:NAME, a server, or server/tool",
    );
  }
  const bad = scopes.find((s) => !SCOPE.test(s));
  if (bad !== undefined) {
    throw new GatewayError(
      "USAGE",
      `scope "${bad}" is not one of: admin, profile:NAME, a server (glob), server/tool (glob)`,
    );
  }
}

function find(keys: readonly KeyRecord[], name: string, path: string): KeyRecord {
  const record = keys.find((k) => k.name === name);
  if (!record) {
    const names = keys.map((k) => k.name).join(", ") || "(none)";
    throw new GatewayError("USAGE", `no key named "${name}" in ${path} (keys: ${names})`);
  }
  return record;
}

/**
 * Adds a key to the keys file and returns it: the only time its secret exists outside the caller.
 * @throws GatewayError USAGE for a bad or taken name, bad scopes
 */
export async function addKey(
  path: string,
  name: string,
  options: { scopes: readonly string[]; rate?: number | undefined },
): Promise<string> {
  if (!NAME.test(name))
    throw new GatewayError("USAGE", `key names use letters, digits, _ . - (got "${name}")`);
  checkScopes(options.scopes);
  const keys = readKeyFile(path);
  if (keys.some((k) => k.name === name)) {
    throw new GatewayError("USAGE", `a key named "${name}" exists; rotate it or revoke it first`);
  }
  const { key, record } = await createKey(name, options);
  writeKeyFile(path, [...keys, record]);
  return key;
}

/** The keys of the keys file, without hashes. */
export function listKeys(path: string): KeySummary[] {
  return readKeyFile(path).map(({ hash: _hash, ...rest }) => rest);
}

/**
 * Removes a key; a running gateway refuses it once it has re-read the file.
 * @throws GatewayError USAGE for an unknown name
 */
export function revokeKey(path: string, name: string): void {
  const keys = readKeyFile(path);
  find(keys, name, path);
  writeKeyFile(
    path,
    keys.filter((k) => k.name !== name),
  );
}

/**
 * Replaces a key's secret (and id), keeping its name, scopes and rate: the old key stops working, sessions
 * opened with it continue under the new one.
 * @throws GatewayError USAGE for an unknown name
 */
export async function rotateKey(
  path: string,
  name: string,
  options: { now?: () => Date } = {},
): Promise<string> {
  const keys = readKeyFile(path);
  const old = find(keys, name, path);
  const { key, record } = await createKey(name, { scopes: old.scopes, rate: old.rate });
  const next = { ...record, created: old.created, rotated: (options.now?.() ?? new Date()).toISOString() };
  writeKeyFile(
    path,
    keys.map((k) => (k.name === name ? next : k)),
  );
  return key;
}
