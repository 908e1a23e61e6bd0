import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";

/** Why a tool is held back until someone approves it. */
export type QuarantineReason = "changed" | "poisoned";

/** What is pinned of one tool: the approved definition's hash, and a newer one waiting for approval. */
export interface Pin {
  /** Hash of the definition first seen (or last approved). */
  hash: string;
  /** ms since epoch when `hash` was recorded. */
  since: number;
  /** True once a person approved `hash` (its poisoning findings included). */
  approved?: boolean | undefined;
  /** A definition held back: its hash, why, and since when. */
  pending?: { hash: string; reason: QuarantineReason; since: number } | undefined;
}

const PinFile = z.object({
  version: z.literal(1),
  tools: z.record(
    z.string(),
    z.object({
      hash: z.string(),
      since: z.number(),
      approved: z.boolean().optional(),
      pending: z
        .object({ hash: z.string(), reason: z.enum(["changed", "poisoned"]), since: z.number() })
        .optional(),
    }),
  ),
});

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
}

/** Hash of what a model reads of a tool (name, title, description, schemas, annotations), key order ignored. */
export function toolHash(tool: Tool): string {
  const { name, title, description, inputSchema, outputSchema, annotations } = tool;
  const identity = JSON.stringify(
    canonical({ name, title, description, inputSchema, outputSchema, annotations }),
  );
  return `sha256:${new Bun.CryptoHasher("sha256").update(identity).digest("hex")}`;
}

/**
 * Approvals shared by every replica (see `src/cluster/`): a person approves a held-back tool on one
 * replica (CLI or dashboard), and the others show it too. Answers come from a local copy kept current in
 * the background, so reading never waits.
 */
export interface SharedApprovals {
  /** Tool name → the last approved definition (hash, when), as far as this replica knows now. */
  approved(server: string): ReadonlyMap<string, { hash: string; since: number }>;
  /** Changes whenever `server`'s shared approvals changed. */
  version(server: string): number;
  /** Tells every replica that a person approved this definition. */
  approve(server: string, tool: string, approval: { hash: string; since: number }): void;
}

/** File name of a server's pins (its name made safe for every file system). */
function fileName(server: string): string {
  return `${server.replace(/[^A-Za-z0-9_.-]/g, "_")}.json`;
}

/**
 * Tool pins on disk, one JSON file per server in `<cache dir>/pins/` (beside `manifests/`). Keyed by the
 * server's name, not its command: pointing a name at another server is itself a change worth seeing.
 * Files are re-read when another process (`mcp-gateway tools approve`) changed them.
 */
export class PinStore {
  readonly dir: string;
  readonly #cache = new Map<string, { mtimeMs: number; pins: Map<string, Pin>; shared?: number }>();
  readonly #shared: SharedApprovals | undefined;

  /** With `shared`, approvals made on other replicas count here, and approvals made here are shared. */
  constructor(cacheDir: string, options: { shared?: SharedApprovals | undefined } = {}) {
    this.dir = join(cacheDir, "pins");
    this.#shared = options.shared;
  }

  /** The pins of one server (empty when none were recorded or the file cannot be read). */
  read(server: string): Map<string, Pin> {
    const mtimeMs = this.#mtime(server);
    const cached = this.#cache.get(server);
    if (cached && cached.mtimeMs === mtimeMs) return this.#share(server, cached);
    const pins = new Map<string, Pin>();
    try {
      const parsed = PinFile.safeParse(JSON.parse(readFileSync(join(this.dir, fileName(server)), "utf8")));
      if (parsed.success) for (const [name, pin] of Object.entries(parsed.data.tools)) pins.set(name, pin);
    } catch {
      // No file yet (first sight) or unreadable: every tool counts as new.
    }
    const entry = { mtimeMs, pins };
    this.#cache.set(server, entry);
    return this.#share(server, entry);
  }

  /** True when the file changed on disk (or the shared approvals changed) since it was last read here. */
  stale(server: string): boolean {
    const cached = this.#cache.get(server);
    if (cached === undefined) return false;
    return cached.mtimeMs !== this.#mtime(server) || cached.shared !== this.#shared?.version(server);
  }

  /**
   * Applies approvals made on other replicas to held-back definitions, and shares the approvals made here
   * (by `tools approve` on this machine or the dashboard) that the others do not know yet.
   */
  #share(server: string, entry: { pins: Map<string, Pin>; shared?: number }): Map<string, Pin> {
    if (!this.#shared) return entry.pins;
    entry.shared = this.#shared.version(server);
    const approved = this.#shared.approved(server);
    for (const [name, pin] of entry.pins) {
      const shared = approved.get(name);
      if (pin.pending && pin.pending.hash === shared?.hash) {
        entry.pins.set(name, { hash: shared.hash, since: shared.since, approved: true });
      } else if (
        pin.approved &&
        !pin.pending &&
        pin.since > (shared?.since ?? -1) &&
        pin.hash !== shared?.hash
      ) {
        this.#shared.approve(server, name, { hash: pin.hash, since: pin.since });
      }
    }
    return entry.pins;
  }

  /** Writes a server's pins atomically (temp file + rename). */
  write(server: string, pins: Map<string, Pin>): void {
    mkdirSync(this.dir, { recursive: true });
    const path = join(this.dir, fileName(server));
    const temp = `${path}.${process.pid}.tmp`;
    writeFileSync(temp, `${JSON.stringify({ version: 1, tools: Object.fromEntries(pins) }, null, 1)}\n`);
    renameSync(temp, path);
    this.#cache.set(server, { mtimeMs: this.#mtime(server), pins });
  }

  #mtime(server: string): number {
    try {
      return statSync(join(this.dir, fileName(server))).mtimeMs;
    } catch {
      return -1;
    }
  }
}

/**
 * Approves what is held back: one tool, or every tool of a server. Returns the names approved.
 * Works on the files alone, so a running gateway picks it up on its next list or call.
 */
export function approvePins(store: PinStore, server: string, tool?: string): string[] {
  const pins = store.read(server);
  const approved: string[] = [];
  const now = Date.now();
  for (const [name, pin] of pins) {
    if (tool !== undefined && name !== tool) continue;
    if (!pin.pending) continue;
    pins.set(name, { hash: pin.pending.hash, since: now, approved: true });
    approved.push(name);
  }
  if (approved.length > 0) store.write(server, new Map(pins));
  return approved;
}
