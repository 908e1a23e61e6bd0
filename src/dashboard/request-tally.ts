import type { AuditRecord } from "../gateway/hooks.ts";
import { LatencyHistogram } from "../usage/latency-histogram.ts";

/** The requests of one principal (or one server) since the gateway started. */
export interface Tally {
  key: string;
  calls: number;
  /** Requests that did not end in success (refusals, tool errors, timeouts…). */
  errors: number;
  /** The usage store's histogram (±9% quantiles). */
  latency: LatencyHistogram;
  /** Start of the last request, ms since the epoch. */
  lastUsed: number;
}

/** Options of {@link RequestTally}. */
export interface RequestTallyOptions {
  /** Keys kept; the least recently seen beyond this are dropped. @default 1000 */
  maxKeys?: number;
}

/**
 * Requests counted by one field of the audit records (`Gateway.onRequest`): by principal for the Usage
 * page's per-key rows and the Security page's "last used" (the keys file does not store it), by server for
 * its per-server latency. In memory, since the gateway started.
 */
export class RequestTally {
  readonly #tallies = new Map<string, Tally>();
  readonly #keyOf: (record: AuditRecord) => string;
  readonly #max: number;

  constructor(keyOf: (record: AuditRecord) => string, options: RequestTallyOptions = {}) {
    this.#keyOf = keyOf;
    this.#max = options.maxKeys ?? 1000;
  }

  /** Counts one audit record. */
  record(record: AuditRecord): void {
    const key = this.#keyOf(record);
    let tally = this.#tallies.get(key);
    if (tally) this.#tallies.delete(key);
    else tally = { key, calls: 0, errors: 0, latency: new LatencyHistogram(), lastUsed: 0 };
    // Re-inserted, so the map's order is least recently seen first.
    this.#tallies.set(key, tally);
    tally.calls++;
    if (record.outcome !== "success") tally.errors++;
    tally.latency.record(record.durationMs);
    tally.lastUsed = Math.max(tally.lastUsed, record.time);
    if (this.#tallies.size > this.#max) {
      const oldest = this.#tallies.keys().next().value;
      if (oldest !== undefined) this.#tallies.delete(oldest);
    }
  }

  get(key: string): Tally | undefined {
    return this.#tallies.get(key);
  }

  /** Every key seen, most calls first. */
  all(): Tally[] {
    return [...this.#tallies.values()].sort((a, b) => b.calls - a.calls);
  }
}
