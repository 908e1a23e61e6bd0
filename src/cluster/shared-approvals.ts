import { z } from "zod";
import type { SharedApprovals } from "../firewall/pins.ts";
import type { RedisLink } from "./redis-link.ts";
import { safeJson } from "./safe-json.ts";

const CHANNEL = "approvals";
const Approval = z.strictObject({ hash: z.string().max(200), since: z.number() });
const Message = z.strictObject({
  origin: z.string().max(64),
  server: z.string().max(200),
  tool: z.string().max(200),
  approval: Approval,
});
type Approval = z.output<typeof Approval>;

/**
 * Tool approvals in Redis: a hash `<prefix>approvals:<server>` (tool → last approved definition) and a
 * message on `<prefix>approvals` for each new one. Each replica keeps a copy per server, loaded the first
 * time it is asked for that server (and again after Redis comes back), so the firewall never waits.
 */
export class RedisApprovals implements SharedApprovals {
  readonly #link: RedisLink;
  readonly #origin: string;
  readonly #copies = new Map<string, Map<string, Approval>>();
  readonly #versions = new Map<string, number>();

  constructor(link: RedisLink, origin: string) {
    this.#link = link;
    this.#origin = origin;
    link.subscribe(CHANNEL, (text) => {
      const message = Message.safeParse(safeJson(text));
      if (!message.success || message.data.origin === this.#origin) return;
      const { server, tool, approval } = message.data;
      this.#merge(server, tool, approval);
    });
    link.onRecover(() => {
      for (const server of this.#copies.keys()) void this.#load(server);
    });
  }

  approved(server: string): ReadonlyMap<string, Approval> {
    let copy = this.#copies.get(server);
    if (!copy) {
      copy = new Map();
      this.#copies.set(server, copy);
      void this.#load(server);
    }
    return copy;
  }

  version(server: string): number {
    return this.#versions.get(server) ?? 0;
  }

  approve(server: string, tool: string, approval: Approval): void {
    this.#merge(server, tool, approval);
    void this.#link.send("HSET", [this.#key(server), tool, JSON.stringify(approval)]);
    this.#link.publish(CHANNEL, JSON.stringify({ origin: this.#origin, server, tool, approval }));
  }

  async #load(server: string): Promise<void> {
    const stored = await this.#link.send("HGETALL", [this.#key(server)]);
    if (!stored || typeof stored !== "object") return;
    for (const [tool, text] of Object.entries(stored as Record<string, unknown>)) {
      const approval = Approval.safeParse(typeof text === "string" ? safeJson(text) : undefined);
      if (approval.success) this.#merge(server, tool, approval.data);
    }
  }

  /** Keeps the later of two approvals of one tool; a change bumps the server's version. */
  #merge(server: string, tool: string, approval: Approval): void {
    const copy = this.#copies.get(server) ?? new Map<string, Approval>();
    this.#copies.set(server, copy);
    const known = copy.get(tool);
    if (known && (known.since > approval.since || known.hash === approval.hash)) return;
    copy.set(tool, approval);
    this.#versions.set(server, this.version(server) + 1);
  }

  #key(server: string): string {
    return `${this.#link.prefix}approvals:${server}`;
  }
}
