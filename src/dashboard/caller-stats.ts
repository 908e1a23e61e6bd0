import type { AuditRecord } from "../gateway/hooks.ts";
import { type Buckets, emptyBuckets, observe } from "./latency.ts";

/** One caller's requests since the gateway started. */
export interface CallerStats {
  principal: string;
  calls: number;
  /** Requests that did not end in success (refusals, tool errors, timeouts…). */
  errors: number;
  latency: Buckets;
  /** Start of its last request, ms since the epoch. */
  lastUsed: number;
}

/** Options of {@link CallerTally}. */
export interface CallerTallyOptions {
  /** Callers kept; the least recently seen beyond this are dropped. @default 1000 */
  maxCallers?: number;
}

/**
 * Requests per principal, from the audit records (`Gateway.onRequest`): the Usage page's per-key rows and
 * the Security page's "last used" (the keys file does not store it). In memory, since the gateway started.
 */
export class CallerTally {
  readonly #callers = new Map<string, CallerStats>();
  readonly #max: number;

  constructor(options: CallerTallyOptions = {}) {
    this.#max = options.maxCallers ?? 1000;
  }

  /** Counts one audit record. */
  record(record: AuditRecord): void {
    let stats = this.#callers.get(record.principal);
    if (stats) this.#callers.delete(record.principal);
    else stats = { principal: record.principal, calls: 0, errors: 0, latency: emptyBuckets(), lastUsed: 0 };
    // Re-inserted, so the map's order is least recently seen first.
    this.#callers.set(record.principal, stats);
    stats.calls++;
    if (record.outcome !== "success") stats.errors++;
    observe(stats.latency, record.durationMs);
    stats.lastUsed = Math.max(stats.lastUsed, record.time);
    if (this.#callers.size > this.#max) {
      const oldest = this.#callers.keys().next().value;
      if (oldest !== undefined) this.#callers.delete(oldest);
    }
  }

  /** One caller's stats, if it made a request. */
  get(principal: string): CallerStats | undefined {
    return this.#callers.get(principal);
  }

  /** Every caller seen, most calls first. */
  all(): CallerStats[] {
    return [...this.#callers.values()].sort((a, b) => b.calls - a.calls);
  }
}
