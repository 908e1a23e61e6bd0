import { EventBuffer, type WebhookEvent } from "./event-buffer.ts";
import { SeenIds } from "./seen-ids.ts";
import { DEFAULT_TOLERANCE_MS, type Delivery, verifyDelivery, type WebhookProvider } from "./signatures.ts";

/** One configured webhook (`webhooks.<name>` in the config, durations in ms). */
export interface WebhookSettings {
  provider: WebhookProvider;
  secret: string;
  description: string;
  /** How far a signed timestamp may be from now. @default the provider's own (Linear 60 s, others 5 min) */
  tolerance?: number | undefined;
  /** Events kept for reading. */
  keep: number;
  /** Largest body accepted, in bytes. */
  max_body_size: number;
}

/** What one delivery came to: accepted (a new event), a duplicate of one already accepted, or refused. */
export type Receipt =
  | { outcome: "accepted"; event: WebhookEvent }
  | { outcome: "duplicate"; id: string }
  | { outcome: "refused"; status: 400 | 401; reason: string };

/** Ids remembered per webhook: far more than any sender retries within the tolerance. */
const SEEN_IDS = 10_000;

/**
 * One webhook's receiving end: checks a delivery's signature and signed time, drops one whose id was
 * already accepted (a retry or a replay), keeps the accepted ones in a bounded buffer.
 */
export class WebhookChannel {
  readonly name: string;
  readonly settings: WebhookSettings;
  readonly buffer: EventBuffer;
  readonly #seen: SeenIds;
  readonly #tolerance: number;
  readonly #nextSeq: () => number;

  /** @param nextSeq numbers accepted events (one sequence across webhooks, so `after_seq` is unambiguous) */
  constructor(name: string, settings: WebhookSettings, nextSeq: () => number) {
    this.name = name;
    this.settings = settings;
    this.#nextSeq = nextSeq;
    this.#tolerance = settings.tolerance ?? DEFAULT_TOLERANCE_MS[settings.provider];
    // Past twice the tolerance a replay fails the timestamp check anyway; GitHub signs no time, so its
    // ids stay until the count pushes them out.
    const retain = settings.provider === "github" ? Number.POSITIVE_INFINITY : 2 * this.#tolerance;
    this.#seen = new SeenIds(SEEN_IDS, retain);
    // Bodies are bounded one by one; the buffer holds at most eight of the largest at once.
    this.buffer = new EventBuffer({ maxEvents: settings.keep, maxBytes: settings.max_body_size * 8 });
  }

  /** The resource clients subscribe to for this webhook's newest event. */
  get uri(): string {
    return `webhook://${this.name}/latest`;
  }

  /** Checks and records one delivery received at `now` (ms since epoch). */
  receive(delivery: Delivery, now: number): Receipt {
    const checked = verifyDelivery(this.settings.provider, delivery, {
      secret: this.settings.secret,
      toleranceMs: this.#tolerance,
      now,
    });
    if (!checked.ok) return { outcome: "refused", status: checked.status, reason: checked.reason };
    // Only a delivery with a valid signature may claim an id: a forger cannot block a real one ahead of it.
    if (!this.#seen.add(checked.id, now)) return { outcome: "duplicate", id: checked.id };
    const event: WebhookEvent = {
      id: checked.id,
      seq: this.#nextSeq(),
      webhook: this.name,
      provider: this.settings.provider,
      type: checked.type,
      receivedAt: new Date(now).toISOString(),
      payload: checked.payload,
    };
    this.buffer.push(event, delivery.body.byteLength);
    return { outcome: "accepted", event };
  }
}
