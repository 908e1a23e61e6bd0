import { z } from "zod";
import type { RemoteCircuit, SharedCircuits } from "../failsafe/shared-state.ts";
import type { RedisLink } from "./redis-link.ts";
import { safeJson } from "./safe-json.ts";

const CHANNEL = "circuits";
const Reason = z.string().max(1000);
const Circuit = z.discriminatedUnion("state", [
  z.strictObject({
    state: z.literal("open"),
    retryAfterMs: z.number().min(0).max(86_400_000),
    failures: z.number().int().min(0).max(1_000_000),
    reason: Reason,
  }),
  z.strictObject({ state: z.literal("closed"), reason: Reason }),
]);
const Announcement = z.strictObject({
  origin: z.string().max(64),
  backend: z.string().max(200),
  circuit: Circuit,
});
const Stored = z.strictObject({ failures: z.number().int().min(0), reason: Reason });

/**
 * Breaker states shared through Redis: a replica whose circuit opens stores `<prefix>circuit:<backend>`
 * (expiring when it would half-open) and publishes it; the others adopt it at once from the message, and
 * a replica that starts (or reconnects) later reads the key. Closing deletes the key and is published too.
 */
export class RedisCircuits implements SharedCircuits {
  readonly #link: RedisLink;
  readonly #origin: string;

  /** `origin` tells this replica's own messages apart (they come back on the channel). */
  constructor(link: RedisLink, origin: string) {
    this.#link = link;
    this.#origin = origin;
  }

  announce(backend: string, circuit: RemoteCircuit): void {
    const key = this.#key(backend);
    if (circuit.state === "open") {
      const ttl = String(Math.max(1, Math.ceil(circuit.retryAfterMs)));
      const stored = JSON.stringify({ failures: circuit.failures, reason: circuit.reason });
      void this.#link.send("SET", [key, stored, "PX", ttl]);
    } else void this.#link.send("DEL", [key]);
    this.#link.publish(CHANNEL, JSON.stringify({ origin: this.#origin, backend, circuit }));
  }

  /** Calls `listener` with every state another replica announces. */
  onRemote(listener: (backend: string, circuit: RemoteCircuit) => void): void {
    this.#link.subscribe(CHANNEL, (message) => {
      const parsed = Announcement.safeParse(safeJson(message));
      if (parsed.success && parsed.data.origin !== this.#origin)
        listener(parsed.data.backend, parsed.data.circuit);
    });
  }

  /** The open circuit another replica stored for `backend`, if any (undefined also while Redis is away). */
  async current(backend: string): Promise<RemoteCircuit | undefined> {
    const key = this.#key(backend);
    const [value, ttl] = await Promise.all([this.#link.send("GET", [key]), this.#link.send("PTTL", [key])]);
    if (typeof value !== "string" || typeof ttl !== "number" || ttl <= 0) return undefined;
    const stored = Stored.safeParse(safeJson(value));
    if (!stored.success) return undefined;
    return { state: "open", retryAfterMs: ttl, ...stored.data };
  }

  #key(backend: string): string {
    return `${this.#link.prefix}circuit:${backend}`;
  }
}
