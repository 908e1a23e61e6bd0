import { McpError } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { randomToken } from "../digest.ts";
import { ERROR_TABLE } from "../error-table.ts";
import { errorMessage, GatewayError, type GatewayErrorCode, isGatewayError } from "../errors.ts";
import type { RemoteRounds, RoundOutcome, RoundRetry } from "../server/input-rounds.ts";
import type { RedisLink } from "./redis-link.ts";
import { safeJson } from "./safe-json.ts";

const retries = (origin: string): string => `rounds:${origin}`;
const replies = (origin: string): string => `round-replies:${origin}`;

const Params = z.record(z.string(), z.unknown());
const Retry = z.strictObject({
  state: z.string().max(200),
  owner: z.string().max(2000),
  responses: Params.optional(),
});
const Ask = z.strictObject({
  type: z.enum(["retry", "cancel"]),
  id: z.string().max(64),
  from: z.string().max(64),
  retry: Retry.optional(),
});
const Outcome = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("complete"), result: Params }),
  z.strictObject({
    kind: z.literal("input"),
    requests: z.record(z.string(), z.strictObject({ method: z.string(), params: Params })),
    state: z.string().max(200),
  }),
]);
const Failure = z.strictObject({
  message: z.string().max(10_000),
  gateway: z.string().max(64).optional(),
  rpc: z.number().int().optional(),
  data: z.unknown().optional(),
});
const Reply = z.strictObject({
  id: z.string().max(64),
  type: z.enum(["accepted", "alive", "done", "failed"]),
  outcome: Outcome.optional(),
  failure: Failure.optional(),
});
type Reply = z.infer<typeof Reply>;
type Failure = z.infer<typeof Failure>;

function failureOf(error: unknown): Failure {
  if (isGatewayError(error)) return { gateway: error.code, message: error.message };
  if (error instanceof McpError) {
    return {
      rpc: error.code,
      message: error.message.replace(`MCP error ${error.code}: `, ""),
      data: error.data,
    };
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "number") return { rpc: code, message: errorMessage(error) };
  return { message: errorMessage(error) };
}

function errorOf(failure: Failure): Error {
  if (failure.gateway && failure.gateway in ERROR_TABLE) {
    return new GatewayError(failure.gateway as GatewayErrorCode, failure.message);
  }
  if (failure.rpc !== undefined) return new McpError(failure.rpc, failure.message, failure.data);
  return new Error(failure.message);
}

function unreachable(): GatewayError {
  return new GatewayError(
    "BACKEND_UNAVAILABLE",
    "this requestState is held by another gateway replica and redis is unreachable, so it cannot be reached from here: start the call again",
  );
}

/** Options of {@link RedisRoundRelay}. */
export interface RoundRelayOptions {
  /**
   * How long a forwarded retry waits for any sign of the replica holding its call (its first answer, then
   * a heartbeat it sends every third of this while the call runs) before failing. @default 5000
   */
  silenceMs?: number;
}

interface Waiting {
  resolve: (outcome: RoundOutcome) => void;
  reject: (error: unknown) => void;
  heard: () => void;
}

/**
 * 2026-07-28 retries whose `requestState` another replica handed out, forwarded over Redis: the retry goes
 * on the owner's channel (`rounds:<replica>`) with a fresh id, the owner resolves it with its own
 * {@link InputRounds} and answers on the asker's channel (`round-replies:<replica>`) — accepted at once, a
 * heartbeat while the call runs, then the result or the next `input_required`. Bounded: no owner listening,
 * Redis away, or the owner silent for `silenceMs` fails the retry with an error saying so, never a hang.
 */
export class RedisRoundRelay implements RemoteRounds {
  readonly origin: string;
  readonly #link: RedisLink;
  readonly #silenceMs: number;
  readonly #waiting = new Map<string, Waiting>();
  readonly #running = new Map<string, AbortController>();

  constructor(link: RedisLink, origin: string, options: RoundRelayOptions = {}) {
    this.#link = link;
    this.origin = origin;
    this.#silenceMs = options.silenceMs ?? 5000;
    link.subscribe(replies(origin), (text) => {
      const reply = Reply.safeParse(safeJson(text));
      if (reply.success) this.#replied(reply.data);
    });
  }

  async forward(to: string, retry: RoundRetry, signal: AbortSignal): Promise<RoundOutcome> {
    if (!this.#link.up) throw unreachable();
    const id = randomToken(12, "hex");
    const outcome = new Promise<RoundOutcome>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const end = (): void => {
        clearTimeout(timer);
        this.#waiting.delete(id);
        signal.removeEventListener("abort", abort);
      };
      const heard = (): void => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          end();
          reject(
            new GatewayError(
              "BACKEND_UNAVAILABLE",
              `the gateway replica holding this requestState went silent for ${this.#silenceMs}ms (redis or the replica is down): start the call again`,
            ),
          );
        }, this.#silenceMs);
      };
      const abort = (): void => {
        end();
        this.#link.publish(retries(to), JSON.stringify({ type: "cancel", id, from: this.origin }));
        reject(signal.reason);
      };
      signal.addEventListener("abort", abort, { once: true });
      this.#waiting.set(id, {
        resolve: (o) => {
          end();
          resolve(o);
        },
        reject: (e) => {
          end();
          reject(e);
        },
        heard,
      });
      heard();
    });
    const receivers = await this.#link.send("PUBLISH", [
      this.#link.prefix + retries(to),
      JSON.stringify({ type: "retry", id, from: this.origin, retry }),
    ]);
    if (receivers === undefined) this.#waiting.get(id)?.reject(unreachable());
    else if (receivers === 0) {
      this.#waiting
        .get(id)
        ?.reject(
          new GatewayError(
            "USAGE",
            "invalid or expired requestState (the replica holding it is gone): start the call again",
          ),
        );
    }
    return outcome;
  }

  serve(handler: (retry: RoundRetry, signal: AbortSignal) => Promise<RoundOutcome>): void {
    this.#link.subscribe(retries(this.origin), (text) => {
      const ask = Ask.safeParse(safeJson(text));
      if (!ask.success) return;
      const { type, id, from, retry } = ask.data;
      if (type === "cancel") {
        this.#running.get(id)?.abort(new Error("the client gave up on the retry"));
        return;
      }
      if (!retry || this.#running.has(id)) return;
      const reply = (message: Omit<Reply, "id">): void =>
        this.#link.publish(replies(from), JSON.stringify({ id, ...message }));
      const controller = new AbortController();
      this.#running.set(id, controller);
      reply({ type: "accepted" });
      const alive = setInterval(
        () => reply({ type: "alive" }),
        Math.max(50, Math.floor(this.#silenceMs / 3)),
      );
      // A handler that throws at once (an unknown state) answers like one that fails later.
      Promise.resolve()
        .then(() => handler(retry, controller.signal))
        .then(
          (outcome) => reply({ type: "done", outcome }),
          (error: unknown) => reply({ type: "failed", failure: failureOf(error) }),
        )
        .finally(() => {
          clearInterval(alive);
          this.#running.delete(id);
        });
    });
  }

  #replied(reply: Reply): void {
    const waiting = this.#waiting.get(reply.id);
    if (!waiting) return;
    if (reply.type === "done" && reply.outcome) waiting.resolve(reply.outcome as RoundOutcome);
    else if (reply.type === "failed" && reply.failure) waiting.reject(errorOf(reply.failure));
    else waiting.heard();
  }
}
