import type { AuditRecord, RequestKind } from "../gateway/hooks.ts";

/** One backend request as the Activity page shows it: who, where, how it ended, how long — never arguments. */
export interface ActivityEntry {
  /** When it started, ms since the epoch. */
  time: number;
  /** The caller's principal (`key:<name>`, `oauth:<sub>`, `anonymous`). */
  principal: string;
  /** The session's short hash (never its id). */
  session: string;
  server: string;
  kind: RequestKind;
  /** The tool or prompt name, resource URI or method. */
  tool: string;
  outcome: string;
  latencyMs: number;
}

/** Options of {@link ActivityFeed}. */
export interface ActivityFeedOptions {
  /** Entries kept for a page that opens later. @default 200 */
  keep?: number;
  /** Longest `tool` kept, in characters; a longer one is cut and ends in "…". @default 256 */
  maxNameLength?: number;
}

/**
 * The live call log behind the Activity page, fed by the gateway's audit records (`Gateway.onRequest`):
 * every request on the one pipeline path with its real principal. Audit records carry no argument values
 * by contract, so neither does the log: holding arguments would keep secrets a client passed (tokens,
 * passwords) in memory for anyone with the dashboard cookie, and the firewall's credential redaction only
 * knows credential shapes, so it cannot make them safe to show.
 */
export class ActivityFeed {
  readonly #keep: number;
  readonly #maxName: number;
  readonly #listeners = new Set<(entry: ActivityEntry) => void>();
  readonly #recent: ActivityEntry[] = [];

  constructor(options: ActivityFeedOptions = {}) {
    this.#keep = options.keep ?? 200;
    this.#maxName = options.maxNameLength ?? 256;
  }

  /** The latest entries, oldest first. */
  get recent(): readonly ActivityEntry[] {
    return this.#recent;
  }

  /** Takes one audit record (the `Gateway.onRequest` listener). */
  record(record: AuditRecord): void {
    const entry: ActivityEntry = {
      time: record.time,
      principal: record.principal,
      session: record.session,
      server: record.server,
      kind: record.kind,
      // A name is whatever the client sent (a direct session relays any): 200 of them up to max_body_size
      // each would be kept otherwise. A slice would keep the whole original alive: copy the part shown.
      tool:
        record.name.length > this.#maxName
          ? `${Buffer.from(record.name.slice(0, this.#maxName)).toString()}…`
          : record.name,
      outcome: record.outcome,
      latencyMs: Math.round(record.durationMs),
    };
    this.#recent.push(entry);
    if (this.#recent.length > this.#keep) this.#recent.shift();
    for (const listener of this.#listeners) listener(entry);
  }

  /** Calls `listener` with each new entry while it listens. Returns the removal. */
  subscribe(listener: (entry: ActivityEntry) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
