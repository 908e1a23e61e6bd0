import { z } from "zod";
import type { RedisLink } from "./redis-link.ts";
import { sessionDigest } from "./replica-ids.ts";
import { safeJson } from "./safe-json.ts";

const CHANNEL = "sessions-closed";
const Message = z.strictObject({ origin: z.string().max(64), session: z.string().max(64) });

/**
 * Signed session ids a client ended (DELETE) on one replica: remembered in Redis until they would have
 * expired, so no replica rebuilds them, and announced so the replicas holding a copy close it.
 */
export class RedisSessionRevocations {
  readonly #link: RedisLink;
  readonly #origin: string;

  constructor(link: RedisLink, origin: string) {
    this.#link = link;
    this.#origin = origin;
  }

  revoke(id: string, expires: number, now = Date.now()): void {
    const digest = sessionDigest(id);
    const ttl = Math.max(1, Math.ceil(expires - now));
    void this.#link.send("SET", [`${this.#link.prefix}revoked:${digest}`, "1", "PX", String(ttl)]);
    this.#link.publish(CHANNEL, JSON.stringify({ origin: this.#origin, session: digest }));
  }

  /** True when the id was ended; false also while Redis is away (the signature still bounds it). */
  async revoked(id: string): Promise<boolean> {
    return (await this.#link.send("EXISTS", [`${this.#link.prefix}revoked:${sessionDigest(id)}`])) === 1;
  }

  /** Calls `listener` with the digest of each session another replica ended. */
  onRevoked(listener: (digest: string) => void): void {
    this.#link.subscribe(CHANNEL, (text) => {
      const message = Message.safeParse(safeJson(text));
      if (message.success && message.data.origin !== this.#origin) listener(message.data.session);
    });
  }
}
