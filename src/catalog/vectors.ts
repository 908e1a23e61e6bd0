import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CatalogEntry } from "./catalog.ts";
import type { Embedder } from "./embedder.ts";
import type { SearchSource } from "./ranker.ts";
import { splitWords } from "./words.ts";

/** Options of {@link ToolVectors}. */
export interface ToolVectorsOptions {
  /** Folder of the on-disk cache (`<dir>/<model hash>.json`); memory only when absent. */
  cacheDir?: string;
  /** Tool texts per embedder call: small batches keep a catalog change from queueing behind a long one. @default 16 */
  batch?: number;
  /** Query vectors kept (LRU), so a repeated query costs no model call. @default 256 */
  queryCache?: number;
  /** Told once per failure of the embedder; semantic ranking then stays off until the catalog changes. */
  onError?: (message: string) => void;
}

/** Characters of a description embedded: the purpose is said first, and the encoder's cost grows with length. */
const DESCRIPTION_CHARS = 300;

/** The text a tool is embedded as: its name as words, then the start of its description. */
export function toolText(entry: CatalogEntry): string {
  const name = splitWords(entry.tool.title ?? entry.tool.name).join(" ");
  const description = (entry.tool.description ?? "").replace(/\s+/g, " ").trim().slice(0, DESCRIPTION_CHARS);
  return description ? `${name}: ${description}` : name;
}

const hash = (text: string): string => new Bun.CryptoHasher("sha256").update(text).digest("hex").slice(0, 32);

const toBase64 = (v: Float32Array): string =>
  Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64");
function fromBase64(text: string): Float32Array {
  const bytes = Buffer.from(text, "base64");
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** Cached vectors beyond this many are dropped when the file is written (the oldest first). */
const MAX_CACHED = 50_000;

interface Matrix {
  version: number;
  /** Row i is entry i's unit vector. */
  rows: Float32Array;
  dims: number;
  count: number;
}

/**
 * Unit vectors of every catalog tool, computed in the background by an {@link Embedder} and cached on disk keyed
 * by a hash of the model and of the tool's text, so a restart or an unchanged backend costs no model call.
 * Until every tool of the current catalog version has its vector, {@link ToolVectors.matrix} is undefined and
 * search serves lexically.
 */
export class ToolVectors {
  readonly #source: SearchSource;
  readonly #embedder: Embedder;
  readonly #options: ToolVectorsOptions;
  readonly #file: string | undefined;
  /** Tool-text hash → vector: what the cache file holds plus what was computed since. */
  readonly #known = new Map<string, Float32Array>();
  readonly #queries = new Map<string, Float32Array>();
  #matrix: Matrix | undefined;
  #filling: { version: number; done: Promise<void> } | undefined;
  #failedFor = -1;
  #closed = false;

  constructor(source: SearchSource, embedder: Embedder, options: ToolVectorsOptions = {}) {
    this.#source = source;
    this.#embedder = embedder;
    this.#options = options;
    this.#file = options.cacheDir
      ? join(options.cacheDir, `${hash(embedder.id).slice(0, 16)}.json`)
      : undefined;
    this.#load();
  }

  /** The embedder's model id. */
  get model(): string {
    return this.#embedder.id;
  }

  /** Vectors of the current catalog version, or undefined while they are being computed (or failed). */
  matrix(): Matrix | undefined {
    const version = this.#source.version;
    if (this.#matrix?.version === version) return this.#matrix;
    void this.fill();
    return undefined;
  }

  /** Computes the vectors of the current catalog version (once per version); resolves when they are ready. */
  fill(): Promise<void> {
    const version = this.#source.version;
    if (this.#matrix?.version === version || this.#failedFor === version) return Promise.resolve();
    if (this.#filling?.version === version) return this.#filling.done;
    const done = this.#compute(version).catch((err: unknown) => {
      this.#failedFor = version;
      if (this.#closed) return;
      this.#options.onError?.(err instanceof Error ? err.message : String(err));
    });
    this.#filling = { version, done };
    return done;
  }

  async #compute(version: number): Promise<void> {
    const entries = this.#source.entries();
    const keys = entries.map((entry) => hash(`${this.#embedder.id}\u0000${toolText(entry)}`));
    const missing = [...new Set(keys.filter((key) => !this.#known.has(key)))];
    const textOf = new Map(keys.map((key, i) => [key, toolText(entries[i] as CatalogEntry)]));
    const batch = this.#options.batch ?? 16;
    for (let i = 0; i < missing.length; i += batch) {
      const slice = missing.slice(i, i + batch);
      const vectors = await this.#embedder.embed(slice.map((key) => textOf.get(key) as string));
      for (const [j, key] of slice.entries()) this.#known.set(key, vectors[j] as Float32Array);
      // A catalog change mid-way: what was computed stays known; the newer version's fill takes over.
      if (this.#source.version !== version) return;
    }
    if (missing.length > 0) this.#save();
    const dims = (this.#known.get(keys[0] ?? "") ?? new Float32Array(0)).length;
    const rows = new Float32Array(entries.length * dims);
    for (const [i, key] of keys.entries()) rows.set(this.#known.get(key) as Float32Array, i * dims);
    if (this.#source.version === version) this.#matrix = { version, rows, dims, count: entries.length };
  }

  /** The query's unit vector (LRU-cached). */
  async queryVector(query: string, options: { signal?: AbortSignal } = {}): Promise<Float32Array> {
    const cached = this.#queries.get(query);
    if (cached) {
      this.#queries.delete(query);
      this.#queries.set(query, cached);
      return cached;
    }
    const [vector] = await this.#embedder.embed([query], options);
    const limit = this.#options.queryCache ?? 256;
    if (this.#queries.size >= limit) this.#queries.delete(this.#queries.keys().next().value as string);
    this.#queries.set(query, vector as Float32Array);
    return vector as Float32Array;
  }

  /** Entry ids by cosine similarity to a query vector, best first, at most `limit`. */
  static rank(matrix: Matrix, query: Float32Array, limit: number): Array<{ id: number; score: number }> {
    const { rows, dims, count } = matrix;
    if (query.length !== dims) return [];
    const scores = new Float32Array(count);
    for (let i = 0; i < count; i++) {
      let dot = 0;
      const base = i * dims;
      for (let d = 0; d < dims; d++) dot += (rows[base + d] as number) * (query[d] as number);
      scores[i] = dot;
    }
    const ids = Array.from({ length: count }, (_, i) => i);
    // Partial selection would win at 100k tools; a full sort of 10k numbers is ~1 ms.
    ids.sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b);
    return ids.slice(0, limit).map((id) => ({ id, score: scores[id] as number }));
  }

  #load(): void {
    if (!this.#file) return;
    try {
      const parsed = JSON.parse(readFileSync(this.#file, "utf8")) as { model?: unknown; vectors?: unknown };
      if (parsed.model !== this.#embedder.id || typeof parsed.vectors !== "object" || !parsed.vectors) return;
      for (const [key, value] of Object.entries(parsed.vectors)) {
        if (typeof value === "string") this.#known.set(key, fromBase64(value));
      }
    } catch {
      // No cache yet, or an unreadable one: vectors are computed again.
    }
  }

  /** Writes atomically (temp file + rename); a cache that cannot be written only costs recomputation. */
  #save(): void {
    if (!this.#file || !this.#options.cacheDir) return;
    const entries = [...this.#known].slice(-MAX_CACHED);
    const vectors = Object.fromEntries(entries.map(([key, v]) => [key, toBase64(v)]));
    try {
      mkdirSync(this.#options.cacheDir, { recursive: true });
      const tmp = `${this.#file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify({ model: this.#embedder.id, vectors }));
      renameSync(tmp, this.#file);
    } catch (err) {
      this.#options.onError?.(`cannot write the vector cache ${this.#file}: ${String(err)}`);
    }
  }

  /** Stops the embedder. */
  close(): void {
    this.#closed = true;
    this.#embedder.close();
  }
}
