import type { RedisLink } from "./redis-link.ts";

/** Most distinct counters held between flushes (a replica cut off from Redis for long stops there). */
const MAX_FIELDS = 10_000;

/** One finished backend request, as the counters see it. */
export interface CountedRequest {
  server: string;
  /** The tool name, or the method for other requests. */
  label: string;
  principal: string;
  outcome: string;
  durationMs: number;
}

/**
 * Usage and audit counters of every replica summed in Redis, per UTC day:
 * `<prefix>usage:<day>` (`<server>/<label>:calls|errors|ms`) and `<prefix>audit:<day>`
 * (`<principal>:<outcome>`). Requests are counted in memory and flushed once a second in one pipeline, so
 * a call never waits for Redis; while Redis is away the counts wait (bounded) and go out when it is back.
 */
export class RedisCounters {
  readonly #link: RedisLink;
  readonly #now: () => number;
  readonly #pending = new Map<string, number>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #flushing = false;

  constructor(link: RedisLink, options: { now?: () => number; flushMs?: number } = {}) {
    this.#link = link;
    this.#now = options.now ?? Date.now;
    this.#timer = setInterval(() => void this.flush(), options.flushMs ?? 1000);
    this.#timer.unref?.();
  }

  count(request: CountedRequest): void {
    const day = new Date(this.#now()).toISOString().slice(0, 10);
    const usage = `usage:${day}\u0000${request.server}/${request.label}`;
    this.#add(`${usage}:calls`, 1);
    if (request.outcome !== "success") this.#add(`${usage}:errors`, 1);
    this.#add(`${usage}:ms`, Math.round(request.durationMs));
    this.#add(`audit:${day}\u0000${request.principal}:${request.outcome}`, 1);
  }

  /** Sends what was counted since the last flush (kept for the next one when Redis does not take it). */
  async flush(): Promise<void> {
    if (this.#flushing || this.#pending.size === 0 || !this.#link.up) return;
    this.#flushing = true;
    const batch = [...this.#pending];
    this.#pending.clear();
    try {
      const sent = await Promise.all(
        batch.map(([field, by]) => {
          const at = field.indexOf("\u0000");
          const key = `${this.#link.prefix}${field.slice(0, at)}`;
          return this.#link.send("HINCRBY", [key, field.slice(at + 1), String(by)]);
        }),
      );
      sent.forEach((reply, i) => {
        const [field, by] = batch[i] as [string, number];
        if (reply === undefined) this.#add(field, by);
      });
    } finally {
      this.#flushing = false;
    }
  }

  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #add(field: string, by: number): void {
    if (!this.#pending.has(field) && this.#pending.size >= MAX_FIELDS) return;
    this.#pending.set(field, (this.#pending.get(field) ?? 0) + by);
  }
}
