import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { basename, dirname, extname, join, resolve } from "node:path";
import { z } from "zod";
import { randomToken, sha256 } from "../digest.ts";
import { GatewayError } from "../errors.ts";
import type { Principal } from "../gateway/call-context.ts";

/** Every key starts with this, so secret scanners and people can tell what it is. */
export const KEY_PREFIX = "mgw_";
const ID_LENGTH = 12;
const KEY_PATTERN = /^mgw_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

/** Argon2id cost: OWASP's minimum (19 MiB, 2 passes) — the secret is 256 random bits, not a password. */
const HASH_OPTIONS = { algorithm: "argon2id", memoryCost: 19_456, timeCost: 2 } as const;

const KeyRecordSchema = z.strictObject({
  id: z.string().regex(/^[0-9a-f]{12}$/),
  name: z.string().min(1),
  hash: z.string().startsWith("$argon2"),
  scopes: z.array(z.string().min(1)),
  rate: z.number().positive().optional(),
  created: z.string(),
  rotated: z.string().optional(),
});
const KeyFileSchema = z.strictObject({ version: z.literal(1), keys: z.array(KeyRecordSchema) });

/** One API key as the keys file stores it: its id, name and scopes, and only a hash of its secret. */
export type KeyRecord = z.output<typeof KeyRecordSchema>;

/** A key split into its non-secret id and its secret, or undefined when it is not one of ours. */
export function parseKey(key: string): { id: string; secret: string } | undefined {
  const match = KEY_PATTERN.exec(key);
  return match ? { id: match[1] as string, secret: match[2] as string } : undefined;
}

/** A new key and the record that stores it (hash only). */
export async function createKey(
  name: string,
  options: {
    scopes: readonly string[];
    rate?: number | undefined;
    id?: string;
    now?: () => Date;
    /** A key made elsewhere (e.g. `MCP_GATEWAY_ADMIN_KEY`), already shaped by {@link parseKey}. */
    key?: string;
  },
): Promise<{ key: string; record: KeyRecord }> {
  const id = options.id ?? randomToken(ID_LENGTH / 2, "hex");
  const key = options.key ?? `${KEY_PREFIX}${id}_${randomToken(32, "base64url")}`;
  const record: KeyRecord = {
    id,
    name,
    hash: await Bun.password.hash(key, HASH_OPTIONS),
    scopes: [...options.scopes],
    ...(options.rate !== undefined ? { rate: options.rate } : {}),
    created: (options.now?.() ?? new Date()).toISOString(),
  };
  return { key, record };
}

/** Where the keys file lives: `auth.keys_file` (relative to the config), else `<config name>.keys.json`. */
export function keysFilePath(configPath: string, keysFile?: string | undefined): string {
  const dir = dirname(configPath);
  if (keysFile !== undefined) return resolve(dir, keysFile);
  return join(dir, `${basename(configPath, extname(configPath))}.keys.json`);
}

/**
 * Reads the keys file; a missing file holds no keys.
 * @throws GatewayError CONFIG_INVALID when it is not a keys file
 */
export function readKeyFile(path: string): KeyRecord[] {
  if (!existsSync(path)) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new GatewayError("CONFIG_INVALID", `keys file ${path} is not valid JSON (${String(error)})`, {
      cause: error,
    });
  }
  const result = KeyFileSchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new GatewayError(
      "CONFIG_INVALID",
      `keys file ${path}: ${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "invalid"} (it is written by mcp-gateway keys; do not edit it by hand)`,
    );
  }
  return result.data.keys;
}

/** Writes the keys file readable by its owner only, atomically (a watcher never sees half a file). */
export function writeKeyFile(path: string, keys: readonly KeyRecord[]): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify({ version: 1, keys }, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, path);
}

/** The cache slot of a key: its SHA-256 (a preimage of it would be the key itself). */
function digest(key: string): string {
  return sha256(key, "base64");
}

/** The principal of a key record. */
function principalOf(record: KeyRecord): Principal {
  return Object.freeze({
    id: `key:${record.name}`,
    scopes: Object.freeze([...record.scopes]),
    ...(record.rate !== undefined ? { rate: record.rate } : {}),
  });
}

/** Options of {@link KeyStore}. */
export interface KeyStoreOptions {
  /** Checks a key against its argon2 hash. @default Bun.password.verify */
  verify?: (key: string, hash: string) => Promise<boolean>;
  /** Most remembered verifications, good and bad, before the cache starts over. @default 10000 */
  maxCached?: number;
}

/**
 * The keys of one keys file, checked cheaply on every request: the key's non-secret id finds its record,
 * argon2 verifies it once, and the result is remembered under the SHA-256 of the whole key (a SHA-256 of a
 * 60-byte string costs about a microsecond; argon2 costs tens of milliseconds). A wrong secret is
 * remembered too, so retrying one costs no more argon2 work. A new file means a new store.
 */
export class KeyStore {
  readonly #byId = new Map<string, { record: KeyRecord; principal: Principal }>();
  readonly #verified = new Map<string, Principal | undefined>();
  readonly #verify: (key: string, hash: string) => Promise<boolean>;
  readonly #maxCached: number;

  constructor(records: readonly KeyRecord[], options: KeyStoreOptions = {}) {
    for (const record of records) this.#byId.set(record.id, { record, principal: principalOf(record) });
    this.#verify = options.verify ?? ((key, hash) => Bun.password.verify(key, hash));
    this.#maxCached = options.maxCached ?? 10_000;
  }

  get size(): number {
    return this.#byId.size;
  }

  /**
   * The principal a key stands for, or undefined for anything that is not a current key. Resolves without
   * argon2 work for a key seen before.
   */
  async authenticate(key: string): Promise<Principal | undefined> {
    const parsed = parseKey(key);
    if (!parsed) return undefined;
    const entry = this.#byId.get(parsed.id);
    if (!entry) return undefined;
    const slot = digest(key);
    if (this.#verified.has(slot)) return this.#verified.get(slot);
    const ok = await this.#verify(key, entry.record.hash).catch(() => false);
    if (this.#verified.size >= this.#maxCached) this.#verified.clear();
    const principal = ok ? entry.principal : undefined;
    this.#verified.set(slot, principal);
    return principal;
  }
}
