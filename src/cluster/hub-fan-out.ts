import { z } from "zod";
import type { HubEvent, HubFanOut } from "../gateway/session-hub.ts";
import type { RedisLink } from "./redis-link.ts";
import { safeJson } from "./safe-json.ts";

const CHANNEL = "hub";
const Name = z.string().max(200);
const Event = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("list_changed"),
    backend: Name,
    kind: z.enum(["tools", "resources", "prompts"]),
  }),
  z.strictObject({
    type: z.literal("resource_updated"),
    backend: Name,
    uri: z.string().max(4096),
    sessions: z.array(z.string().max(64)).max(10_000),
  }),
]);
const Message = z.strictObject({ origin: z.string().max(64), event: Event });

/**
 * List changes and resource updates of one replica's backends, published on `<prefix>hub` for the
 * sessions the other replicas hold (a client's GET stream may be on any of them). Lost while Redis is
 * away: a notification is a hint, and the next list or read shows the current state anyway.
 */
export class RedisFanOut implements HubFanOut {
  readonly #link: RedisLink;
  readonly #origin: string;

  constructor(link: RedisLink, origin: string) {
    this.#link = link;
    this.#origin = origin;
  }

  publish(event: HubEvent): void {
    this.#link.publish(CHANNEL, JSON.stringify({ origin: this.#origin, event }));
  }

  subscribe(listener: (event: HubEvent) => void): void {
    this.#link.subscribe(CHANNEL, (text) => {
      const message = Message.safeParse(safeJson(text));
      if (message.success && message.data.origin !== this.#origin) listener(message.data.event);
    });
  }
}
