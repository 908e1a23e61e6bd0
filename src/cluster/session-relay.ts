import { z } from "zod";
import type { RedisLink } from "./redis-link.ts";
import { type Id, parseReplicaRequestId } from "./replica-ids.ts";
import { safeJson } from "./safe-json.ts";

const CANCELS = "session-cancels";
const answersChannel = (origin: string): string => `session-answers:${origin}`;

const RequestId = z.union([z.string().max(200), z.number()]);
/** A client's answer (result or error) to a request a session's server sent. */
const Answer = z.looseObject({ jsonrpc: z.literal("2.0"), id: RequestId });
const Answers = z.strictObject({ session: z.string().max(64), answers: z.array(Answer).min(1).max(1000) });
const Cancel = z.strictObject({
  origin: z.string().max(64),
  session: z.string().max(64),
  requestId: RequestId,
  reason: z.string().max(1000).optional(),
});

/** A JSON-RPC answer a client sent; its id names the replica whose server asked. */
export type SessionAnswer = z.infer<typeof Answer>;

/** Why {@link RedisSessionRelay.deliver} could not hand answers on. */
export type Undelivered = "redis-down" | "replica-gone";

function undeliverable(why: Undelivered): Response {
  const reason =
    why === "redis-down"
      ? "redis is unreachable, so answers cannot cross replicas"
      : "that replica is gone (the call ended with it)";
  const message = `The request this answers was sent by another gateway replica and ${reason}`;
  return Response.json({ jsonrpc: "2.0", id: null, error: { code: -32000, message } }, { status: 503 });
}

/**
 * What travels between replicas for one 2025 session whose requests land anywhere: a client's answers to
 * the sampling, elicitation or roots requests another replica's server sent (on that replica's channel,
 * `session-answers:<replica>`), and a client's `notifications/cancelled` for a request running elsewhere
 * (broadcast on `session-cancels`; the replica running it cancels). Sessions are named by their digest,
 * never their id. While Redis is away nothing crosses: a session works on one replica only.
 */
export class RedisSessionRelay {
  readonly origin: string;
  readonly #link: RedisLink;

  constructor(link: RedisLink, origin: string) {
    this.#link = link;
    this.origin = origin;
  }

  /** True while answers can cross replicas. */
  get up(): boolean {
    return this.#link.up;
  }

  /**
   * Hands answers to the replica whose server asked (bounded by `command_timeout`).
   * @returns undefined once delivered to a replica listening, else why not
   */
  async deliver(to: string, session: string, answers: SessionAnswer[]): Promise<Undelivered | undefined> {
    const receivers = await this.#link.send("PUBLISH", [
      this.#link.prefix + answersChannel(to),
      JSON.stringify({ session, answers }),
    ]);
    if (receivers === undefined) return "redis-down";
    return receivers === 0 ? "replica-gone" : undefined;
  }

  /**
   * Sends on what in one POST of a session belongs to other replicas: a cancellation of a request not in
   * flight here (`pending`) is told to every replica; answers to requests another replica's server sent go
   * there (the POST then answered 202 here, or 503 when they cannot get there).
   * @returns the answer to the POST, or undefined when this replica handles it
   */
  async forward(
    session: { digest: string; pending: ReadonlySet<Id> },
    body: unknown,
  ): Promise<Response | undefined> {
    const messages = (Array.isArray(body) ? body : [body]) as Record<string, unknown>[];
    for (const m of messages) {
      const { requestId, reason } = (m?.params ?? {}) as { requestId?: unknown; reason?: unknown };
      if (m?.method !== "notifications/cancelled") continue;
      if (
        (typeof requestId === "string" || typeof requestId === "number") &&
        !session.pending.has(requestId)
      ) {
        this.cancel(session.digest, requestId, typeof reason === "string" ? reason : undefined);
      }
    }
    if (!messages.every((m) => m && typeof m === "object" && !("method" in m) && "id" in m)) return undefined;
    const foreign = new Map<string, SessionAnswer[]>();
    for (const m of messages) {
      const origin = parseReplicaRequestId(m.id)?.origin;
      if (origin !== undefined && origin !== this.origin) {
        foreign.set(origin, [...(foreign.get(origin) ?? []), m as SessionAnswer]);
      }
    }
    for (const [origin, answers] of foreign) {
      const failed = await this.deliver(origin, session.digest, answers);
      if (failed) return undeliverable(failed);
    }
    // Answers only to other replicas: accepted, as the transport answers a POST of responses.
    const sent = [...foreign.values()].reduce((n, answers) => n + answers.length, 0);
    return sent > 0 && sent === messages.length ? new Response(null, { status: 202 }) : undefined;
  }

  /** Tells every replica that the client cancelled a request it may be running. */
  cancel(session: string, requestId: Id, reason: string | undefined): void {
    const message = { origin: this.origin, session, requestId, ...(reason !== undefined ? { reason } : {}) };
    this.#link.publish(CANCELS, JSON.stringify(message));
  }

  /** Calls `listener` with answers other replicas received for requests this replica's sessions sent. */
  onAnswers(listener: (session: string, answers: SessionAnswer[]) => void): void {
    this.#link.subscribe(answersChannel(this.origin), (text) => {
      const message = Answers.safeParse(safeJson(text));
      if (message.success) listener(message.data.session, message.data.answers);
    });
  }

  /** Calls `listener` with each cancellation another replica received. */
  onCancel(listener: (session: string, requestId: Id, reason: string | undefined) => void): void {
    this.#link.subscribe(CANCELS, (text) => {
      const message = Cancel.safeParse(safeJson(text));
      if (message.success && message.data.origin !== this.origin) {
        listener(message.data.session, message.data.requestId, message.data.reason);
      }
    });
  }
}
