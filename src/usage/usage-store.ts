import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { z } from "zod";
import { errorMessage } from "../errors.ts";
import { log } from "../log.ts";
import { type DirContext, dataDir } from "../user-dirs.ts";
import { DailyCounts, type DayCount } from "./daily-counts.ts";
import { BUCKETS, LatencyHistogram } from "./latency-histogram.ts";

/** One tool's usage as the store reports it. */
export interface ToolUsage {
  calls: number;
  errors: number;
  /** Sum of call latencies, in ms. */
  totalMs: number;
  /** Mean latency in ms (0 before the first call). */
  avgMs: number;
  /** Last call (ms since epoch). */
  lastUsed: number;
  /** Median latency in ms (±9%, see `latency-histogram.ts`), of the calls the histogram counted; undefined before any. */
  p50Ms: number | undefined;
  /** 99th-percentile latency in ms, likewise. */
  p99Ms: number | undefined;
  /** Calls the latency histogram counted (fewer than `calls` for counts from a file written before it). */
  latencyCalls: number;
  /** Calls and errors per UTC day, the last 14 days, oldest first. */
  days: DayCount[];
}

/** Options of {@link UsageStore}. */
export interface UsageStoreOptions {
  /** The JSON file. @default defaultUsagePath() */
  path?: string;
  /** Clock in ms since epoch. @default Date.now */
  now?: () => number;
  /** Quiet time after the last change before the file is written, in ms. @default 2_000 */
  debounceMs?: number;
  /** Runs `fn` after `ms`; returns a cancel function. @default an unref'd setTimeout */
  schedule?: (fn: () => void, ms: number) => () => void;
  /** Tools kept; the least recently used beyond this are dropped when saving. @default 5_000 */
  maxEntries?: number;
  /** Where problems are reported (corrupt file, failed write). @default the gateway log, tag "usage" */
  warn?: (message: string) => void;
  /** Rename a corrupt file aside on load; false for readers that must not touch it (`stats`). @default true */
  setAside?: boolean;
}

// `latency` and `days` came later: files without them still load, and readers that predate them ignore them.
const Count = z.number().int().nonnegative();
const Entry = z.object({
  calls: Count,
  errors: Count,
  total_ms: z.number().nonnegative(),
  last_used: z.iso.datetime(),
  latency: z
    .record(z.string().regex(/^\d{1,2}$/), Count)
    .refine((buckets) => Object.keys(buckets).every((k) => Number(k) < BUCKETS), "unknown latency bucket")
    .optional(),
  days: z
    .record(z.iso.date(), z.object({ calls: Count, errors: Count }))
    .refine((days) => Object.keys(days).length <= 64, "too many days")
    .optional(),
});
const UsageFile = z.object({
  version: z.literal(1),
  tools: z.record(z.string(), z.record(z.string(), Entry)),
});
type UsageFileData = z.infer<typeof UsageFile>;

interface Stats {
  backend: string;
  tool: string;
  calls: number;
  errors: number;
  totalMs: number;
  lastUsed: number;
  latency: LatencyHistogram;
  days: DailyCounts;
}

/** Where usage stats live: `usage.json` in the gateway's data dir (see `dataDir`). */
export function defaultUsagePath(ctx: DirContext = {}): string {
  return join(dataDir(ctx), "usage.json");
}

/**
 * Per-tool usage stats (calls, errors, latency sum and histogram, calls per day for 14 days, last use) kept
 * across restarts in one JSON file. Changes are
 * written after a quiet spell, atomically (temp file + rename); a corrupt file is set aside and the store
 * starts fresh.
 */
export class UsageStore {
  readonly path: string;
  readonly debounceMs: number;
  readonly maxEntries: number;
  readonly #now: () => number;
  readonly #schedule: (fn: () => void, ms: number) => () => void;
  readonly #warn: (message: string) => void;
  readonly #setAside: boolean;
  readonly #stats = new Map<string, Stats>();
  #cancel: (() => void) | undefined;
  #dirty = false;
  #writing: Promise<void> = Promise.resolve();
  #tmpCounter = 0;
  /** Tells this store's temp files from another's on the same path in this process (gateways in tests, benches). */
  readonly #tmpId = crypto.randomUUID().slice(0, 8);

  /** @throws RangeError when an option is out of range */
  constructor(options: UsageStoreOptions = {}) {
    this.path = options.path ?? defaultUsagePath();
    this.debounceMs = options.debounceMs ?? 2_000;
    this.maxEntries = options.maxEntries ?? 5_000;
    if (!Number.isFinite(this.debounceMs) || this.debounceMs < 0) {
      throw new RangeError(`usage store: debounceMs must be a finite number >= 0, got ${this.debounceMs}`);
    }
    if (!Number.isInteger(this.maxEntries) || this.maxEntries < 1) {
      throw new RangeError(`usage store: maxEntries must be an integer >= 1, got ${this.maxEntries}`);
    }
    this.#now = options.now ?? Date.now;
    this.#schedule = options.schedule ?? unrefTimeout;
    this.#warn = options.warn ?? ((message) => log.withTag("usage").warn(message));
    this.#setAside = options.setAside ?? true;
  }

  /**
   * Reads the file and adds its counts to what is in memory. A missing file is an empty store; an unreadable
   * or invalid one is renamed to `usage.json.corrupt-<time>` with a warning.
   */
  async load(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (err) {
      if ((err as { code?: unknown }).code !== "ENOENT") {
        this.#warn(`cannot read ${this.path}: ${errorMessage(err)}; starting with empty usage stats`);
      }
      return;
    }
    let data: UsageFileData;
    try {
      data = UsageFile.parse(JSON.parse(text));
    } catch (err) {
      const aside = `${this.path}.corrupt-${new Date(this.#now()).toISOString().replace(/[:.]/g, "-")}`;
      const moved =
        this.#setAside &&
        (await rename(this.path, aside).then(
          () => true,
          () => false,
        ));
      const reason = err instanceof z.ZodError ? "unexpected content" : errorMessage(err);
      this.#warn(
        `usage stats file ${this.path} is corrupt (${reason}); ` +
          (moved ? `kept it as ${aside} and ` : "") +
          (this.#setAside ? "starting fresh" : "left it as it is"),
      );
      return;
    }
    for (const [backend, tools] of Object.entries(data.tools)) {
      for (const [tool, entry] of Object.entries(tools)) {
        const stats = this.#entry(backend, tool);
        stats.calls += entry.calls;
        stats.errors += entry.errors;
        stats.totalMs += entry.total_ms;
        stats.lastUsed = Math.max(stats.lastUsed, Date.parse(entry.last_used));
        for (const [bucket, count] of Object.entries(entry.latency ?? {}))
          stats.latency.add(Number(bucket), count);
        const now = this.#now();
        for (const [date, counts] of Object.entries(entry.days ?? {})) stats.days.add(date, counts, now);
      }
    }
  }

  /** Counts one finished call; `error` for transport failures and `isError` results alike. */
  record(backend: string, tool: string, call: { durationMs: number; error: boolean }): void {
    const stats = this.#entry(backend, tool);
    stats.calls++;
    if (call.error) stats.errors++;
    const ms = Number.isFinite(call.durationMs) ? Math.max(0, call.durationMs) : 0;
    stats.totalMs += ms;
    stats.latency.record(ms);
    stats.lastUsed = this.#now();
    stats.days.record(stats.lastUsed, call.error);
    this.#dirty = true;
    this.#cancel?.();
    this.#cancel = this.#schedule(() => {
      this.#cancel = undefined;
      this.flush().catch((err: unknown) => this.#warn(`cannot save usage stats: ${errorMessage(err)}`));
    }, this.debounceMs);
  }

  get(backend: string, tool: string): ToolUsage | undefined {
    const stats = this.#stats.get(key(backend, tool));
    return stats ? view(stats, this.#now()) : undefined;
  }

  /** Every tool's usage, most used first. */
  entries(): ({ backend: string; tool: string } & ToolUsage)[] {
    return [...this.#stats.values()]
      .map((s) => ({ backend: s.backend, tool: s.tool, ...view(s, this.#now()) }))
      .sort((a, b) => b.calls - a.calls || b.lastUsed - a.lastUsed);
  }

  /**
   * Writes pending changes now (one write at a time).
   * @throws the file system error when the write fails
   */
  flush(): Promise<void> {
    this.#cancel?.();
    this.#cancel = undefined;
    const next = this.#writing.catch(() => undefined).then(() => this.#write());
    this.#writing = next;
    return next;
  }

  /** Flushes, reporting (not throwing) a failed write; call on shutdown. */
  async close(): Promise<void> {
    await this.flush().catch((err: unknown) => this.#warn(`cannot save usage stats: ${errorMessage(err)}`));
  }

  async #write(): Promise<void> {
    if (!this.#dirty) return;
    this.#dirty = false;
    this.#prune();
    const data: UsageFileData = { version: 1, tools: {} };
    const now = this.#now();
    for (const s of this.#stats.values()) {
      const tools = data.tools[s.backend] ?? {};
      data.tools[s.backend] = tools;
      tools[s.tool] = {
        calls: s.calls,
        errors: s.errors,
        total_ms: Math.round(s.totalMs * 1000) / 1000,
        last_used: new Date(s.lastUsed).toISOString(),
        latency: s.latency.toJSON(),
        days: s.days.toJSON(now),
      };
    }
    const tmp = `${this.path}.${process.pid}.${this.#tmpId}.${++this.#tmpCounter}.tmp`;
    try {
      await mkdir(dirname(this.path), { recursive: true });
      await writeFile(tmp, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
      await rename(tmp, this.path);
    } catch (err) {
      this.#dirty = true;
      await rm(tmp, { force: true }).catch(() => undefined);
      throw err;
    }
  }

  #prune(): void {
    if (this.#stats.size <= this.maxEntries) return;
    const oldest = [...this.#stats.entries()].sort(([, a], [, b]) => a.lastUsed - b.lastUsed);
    for (const [k] of oldest.slice(0, this.#stats.size - this.maxEntries)) this.#stats.delete(k);
  }

  #entry(backend: string, tool: string): Stats {
    const k = key(backend, tool);
    let stats = this.#stats.get(k);
    if (!stats) {
      stats = {
        backend,
        tool,
        calls: 0,
        errors: 0,
        totalMs: 0,
        lastUsed: 0,
        latency: new LatencyHistogram(),
        days: new DailyCounts(),
      };
      this.#stats.set(k, stats);
    }
    return stats;
  }
}

function key(backend: string, tool: string): string {
  return `${backend}\u0000${tool}`;
}

function view(s: Stats, now: number): ToolUsage {
  return {
    calls: s.calls,
    errors: s.errors,
    totalMs: s.totalMs,
    avgMs: s.calls === 0 ? 0 : s.totalMs / s.calls,
    lastUsed: s.lastUsed,
    p50Ms: s.latency.quantile(0.5),
    p99Ms: s.latency.quantile(0.99),
    latencyCalls: s.latency.count,
    days: s.days.series(now),
  };
}

function unrefTimeout(fn: () => void, ms: number): () => void {
  const timer = setTimeout(fn, ms);
  // Stats must never keep the process alive; shutdown calls close() to write the last changes.
  (timer as { unref?: () => void }).unref?.();
  return () => clearTimeout(timer);
}
