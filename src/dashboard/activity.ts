/** One call as the Activity page shows it: who, where, how it ended, how long — never its arguments. */
export interface ActivityEntry {
  /** When the feed saw it end, ms since the epoch. */
  time: number;
  /** The caller when the dashboard made the call; `client` for calls seen only in the metrics. */
  principal: string;
  server: string;
  tool: string;
  outcome: string;
  /** Mean latency of the calls this entry stands for, ms. */
  latencyMs: number;
  /** How many calls ended with this outcome since the previous reading (usually 1). */
  count: number;
}

/** Options of {@link ActivityFeed}. */
export interface ActivityFeedOptions {
  /** How often the metrics are read while someone listens, ms. @default 500 */
  intervalMs?: number;
  /** Entries kept for a page that opens later. @default 200 */
  keep?: number;
  /** Wall clock, ms. @default Date.now */
  now?: () => number;
}

const REQUESTS = /^mcp_gateway_requests_total\{(.*)\} (\S+)$/;
const DURATION = /^mcp_gateway_request_duration_seconds_(sum|count)\{(.*)\} (\S+)$/;
const LABEL = /(\w+)="((?:[^"\\]|\\.)*)"/g;

function labels(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(LABEL)) out[m[1] as string] = (m[2] as string).replace(/\\(.)/g, "$1");
  return out;
}

interface Reading {
  requests: Map<string, number>;
  sum: Map<string, number>;
  count: Map<string, number>;
}

/** The request counters and latency sums of a Prometheus text body, keyed by backend and tool. */
export function readMetrics(text: string): Reading {
  const reading: Reading = { requests: new Map(), sum: new Map(), count: new Map() };
  for (const line of text.split("\n")) {
    const r = REQUESTS.exec(line);
    if (r) {
      const l = labels(r[1] as string);
      reading.requests.set(JSON.stringify([l.backend, l.tool, l.outcome]), Number(r[2]));
      continue;
    }
    const d = DURATION.exec(line);
    if (d) {
      const l = labels(d[2] as string);
      const into = d[1] === "sum" ? reading.sum : reading.count;
      into.set(JSON.stringify([l.backend, l.tool]), Number(d[3]));
    }
  }
  return reading;
}

/**
 * The live call log behind the Activity page. The gateway's audit hook is taken by auth (and absent
 * without it), so the feed reads what the metrics count: every request on the one pipeline path, by
 * server, tool and outcome, with its latency — which by construction holds no argument. Calls the
 * dashboard makes itself are attributed to the dashboard's caller.
 */
export class ActivityFeed {
  readonly #read: () => string;
  readonly #intervalMs: number;
  readonly #keep: number;
  readonly #now: () => number;
  readonly #listeners = new Set<(entry: ActivityEntry) => void>();
  readonly #recent: ActivityEntry[] = [];
  readonly #pending = new Map<string, string[]>();
  #last: Reading | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(read: () => string, options: ActivityFeedOptions = {}) {
    this.#read = read;
    this.#intervalMs = options.intervalMs ?? 500;
    this.#keep = options.keep ?? 200;
    this.#now = options.now ?? Date.now;
  }

  /** The latest entries, oldest first. */
  get recent(): readonly ActivityEntry[] {
    return this.#recent;
  }

  /** Notes that the next call of this tool to end was made by `principal` (a dashboard try-it). */
  expect(server: string, tool: string, principal: string): void {
    const key = JSON.stringify([server, tool]);
    this.#pending.set(key, [...(this.#pending.get(key) ?? []), principal]);
  }

  /** Reads the metrics now and emits what changed since the previous reading. */
  poll(): void {
    const next = readMetrics(this.#read());
    const last = this.#last;
    this.#last = next;
    if (!last) return;
    for (const [key, value] of next.requests) {
      const delta = value - (last.requests.get(key) ?? 0);
      if (delta <= 0) continue;
      const [server, tool, outcome] = JSON.parse(key) as [string, string, string];
      const timing = JSON.stringify([server, tool]);
      const calls = (next.count.get(timing) ?? 0) - (last.count.get(timing) ?? 0);
      const seconds = (next.sum.get(timing) ?? 0) - (last.sum.get(timing) ?? 0);
      const pending = this.#pending.get(timing);
      const principal = pending?.shift() ?? "client";
      if (pending?.length === 0) this.#pending.delete(timing);
      this.#emit({
        time: this.#now(),
        principal,
        server,
        tool,
        outcome,
        latencyMs: calls > 0 ? Math.round((seconds * 1000) / calls) : 0,
        count: delta,
      });
    }
  }

  /**
   * Keeps reading while the dashboard is in use: until `idleMs` after the last touch with no listener, so a
   * call made from the Tools page is in the log when the Activity page opens.
   */
  touch(idleMs = 60_000): void {
    this.#touched = this.#now();
    this.#idleMs = idleMs;
    this.#run();
  }

  /** Calls `listener` with each new entry while it listens. Returns the removal. */
  subscribe(listener: (entry: ActivityEntry) => void): () => void {
    this.#listeners.add(listener);
    this.#run();
    return () => this.#listeners.delete(listener);
  }

  /** Stops reading (the gateway is shutting down). */
  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #touched = 0;
  #idleMs = 60_000;

  #run(): void {
    if (this.#timer) return;
    this.#last ??= readMetrics(this.#read());
    this.#timer = setInterval(() => {
      this.poll();
      if (this.#listeners.size === 0 && this.#now() - this.#touched > this.#idleMs) {
        this.close();
        // Calls while nobody looked are not replayed later as if they had just happened.
        this.#last = undefined;
      }
    }, this.#intervalMs);
    this.#timer.unref?.();
  }

  #emit(entry: ActivityEntry): void {
    this.#recent.push(entry);
    if (this.#recent.length > this.#keep) this.#recent.shift();
    for (const listener of this.#listeners) listener(entry);
  }
}
