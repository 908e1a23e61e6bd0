import type { WebhookProvider } from "./signatures.ts";

/** One accepted delivery as clients read it (the `webhook://{name}/latest` resource, the events tool). */
export interface WebhookEvent {
  /** The sender's delivery or event id. */
  id: string;
  /** Position among every webhook's accepted events since the gateway started (1, 2, …). */
  seq: number;
  webhook: string;
  provider: WebhookProvider;
  /** The sender's event type (`push`, `Issue.create`, `invoice.paid`, …). */
  type: string;
  /** When the gateway accepted it (ISO 8601). */
  receivedAt: string;
  payload: unknown;
}

/**
 * The last accepted events of one webhook, newest last: at most `maxEvents` of them and at most `maxBytes`
 * of body between them (the newest is always kept, whatever its size).
 */
export class EventBuffer {
  readonly #events: { event: WebhookEvent; size: number }[] = [];
  readonly #maxEvents: number;
  readonly #maxBytes: number;
  #bytes = 0;

  constructor(options: { maxEvents: number; maxBytes: number }) {
    if (!Number.isInteger(options.maxEvents) || options.maxEvents < 1) {
      throw new RangeError(`maxEvents must be a positive integer, got ${options.maxEvents}`);
    }
    this.#maxEvents = options.maxEvents;
    this.#maxBytes = options.maxBytes;
  }

  get size(): number {
    return this.#events.length;
  }

  /** Adds an event whose body was `size` bytes, dropping the oldest past either bound. */
  push(event: WebhookEvent, size: number): void {
    this.#events.push({ event, size });
    this.#bytes += size;
    while (
      this.#events.length > 1 &&
      (this.#events.length > this.#maxEvents || this.#bytes > this.#maxBytes)
    ) {
      this.#bytes -= (this.#events.shift() as { size: number }).size;
    }
  }

  latest(): WebhookEvent | undefined {
    return this.#events.at(-1)?.event;
  }

  /** Up to `limit` events, newest first; with `afterSeq` only those that came after it. */
  newest(limit: number, afterSeq = 0): WebhookEvent[] {
    const out: WebhookEvent[] = [];
    for (let i = this.#events.length - 1; i >= 0 && out.length < limit; i--) {
      const { event } = this.#events[i] as { event: WebhookEvent };
      if (event.seq <= afterSeq) break;
      out.push(event);
    }
    return out;
  }
}
