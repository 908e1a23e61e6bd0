import type { Timers } from "../backends/restart-backoff.ts";
import { GatewayError } from "../errors.ts";

type Params = Record<string, unknown>;

/** A request of the backend for input (sampling, elicitation, roots), waiting for the client's answer. */
interface Ask {
  method: string;
  params: Params;
  resolve: (result: Params) => void;
  reject: (error: unknown) => void;
}

type Settled = { ok: true; result: Params } | { ok: false; error: unknown };

/** What one round of a call ends with: the call's result, or the input it still needs. */
export type RoundOutcome =
  | { kind: "complete"; result: Params }
  | { kind: "input"; requests: Record<string, { method: string; params: Params }>; state: string };

/** Asks the client for input on behalf of the backend; resolves with the client's answer. */
export type AskFn = (method: string, params: Params, signal: AbortSignal) => Promise<Params>;

/** How the gateway's own `requestState`s begin; any other state belongs to a backend. */
const STATE_PREFIX = "mcp-gateway:";

/** True for a `requestState` the gateway handed out (not a backend's, relayed as it is). */
export function isGatewayState(state: string): boolean {
  return state.startsWith(STATE_PREFIX);
}

/** A retry as it travels to the replica holding its call. */
export interface RoundRetry {
  state: string;
  /** The caller's principal id (the receiving replica authenticated it). */
  owner: string;
  responses?: Record<string, unknown> | undefined;
}

/** How the rounds other replicas hold are reached (Redis, `src/cluster/round-relay.ts`). */
export interface RemoteRounds {
  /** This replica's name, written into the states it hands out. */
  readonly origin: string;
  /**
   * Continues a call the replica `to` holds; resolves with the outcome of its round there.
   * @throws GatewayError when that replica cannot be reached, or as {@link InputRounds.round} does there
   */
  forward(to: string, retry: RoundRetry, signal: AbortSignal): Promise<RoundOutcome>;
  /** Serves the retries other replicas forward here. */
  serve(handler: (retry: RoundRetry, signal: AbortSignal) => Promise<RoundOutcome>): void;
}

/** The replica a gateway `requestState` names (`mcp-gateway:<replica>.<random>`), if any. */
function stateReplica(state: string): string | undefined {
  const rest = state.slice(STATE_PREFIX.length);
  const dot = rest.indexOf(".");
  return dot > 0 ? rest.slice(0, dot) : undefined;
}

/** A retry whose call another replica holds: its answers are carried there by {@link InputRounds.round}. */
class RemoteCall {
  readonly owner: string;
  readonly replica: string;
  readonly state: string;
  responses: Record<string, unknown> | undefined;

  constructor(replica: string, state: string, owner: string) {
    this.replica = replica;
    this.state = state;
    this.owner = owner;
  }

  answer(responses: Record<string, unknown> | undefined): void {
    this.responses = responses;
  }
}

/** A call one request of a client continues: held here, or on another replica. */
export type RoundCall = ParkedCall | RemoteCall;

/** Options of {@link InputRounds}. */
export interface InputRoundsOptions {
  /**
   * Where the rounds of other replicas are (in a cluster); without it every state is this replica's.
   * @default none
   */
  remote?: RemoteRounds | undefined;
  /** How long a call waits for the client's retry with the input. @default 300_000 (5 min) */
  ttlMs?: number;
  /** Most calls waiting for input at once; a new one beyond it is refused. @default 1000 */
  maxParked?: number;
  /** @default globalThis timers */
  timers?: Timers;
}

/**
 * One call that runs across several 2026-07-28 requests: the backend call keeps running on its
 * connection while the client answers the input it asked for and retries.
 */
class ParkedCall {
  readonly owner: string;
  readonly #abort = new AbortController();
  #settled: Settled | undefined;
  #queue: Ask[] = [];
  readonly #sent = new Map<string, Ask>();
  #wake: (() => void) | undefined;
  #seq = 0;

  constructor(owner: string, run: (ask: AskFn, signal: AbortSignal) => Promise<Params>) {
    this.owner = owner;
    void run(this.#ask, this.#abort.signal).then(
      (result) => this.#settle({ ok: true, result }),
      (error: unknown) => this.#settle({ ok: false, error }),
    );
  }

  #settle(outcome: Settled): void {
    this.#settled = outcome;
    this.#wake?.();
  }

  readonly #ask: AskFn = (method, params, signal) =>
    new Promise<Params>((resolve, reject) => {
      const ask: Ask = { method, params, resolve, reject };
      signal.addEventListener("abort", () => reject(signal.reason), { once: true });
      this.#queue.push(ask);
      this.#wake?.();
    });

  /** Hands the client's answers to the requests they belong to; unanswered ones are asked again. */
  answer(responses: Record<string, unknown> | undefined): void {
    for (const [key, ask] of this.#sent) {
      const response = responses?.[key];
      if (response && typeof response === "object") ask.resolve(response as Params);
      else this.#queue.push(ask);
    }
    this.#sent.clear();
  }

  /**
   * Waits for the call's next step: its result, or requests for input (returned with their keys). The
   * request's signal cancels the call only while this round waits; once input is handed out, the call
   * waits for a retry instead.
   */
  async next(signal: AbortSignal): Promise<{ done: Params } | { asks: Map<string, Ask> }> {
    const cancel = (): void => this.cancel(signal.reason);
    signal.addEventListener("abort", cancel, { once: true });
    try {
      for (;;) {
        if (this.#queue.length > 0) {
          for (const ask of this.#queue.splice(0)) this.#sent.set(`input-${++this.#seq}`, ask);
          return { asks: this.#sent };
        }
        const settled = this.#settled;
        if (settled?.ok) return { done: settled.result };
        if (settled) throw settled.error;
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
        this.#wake = undefined;
      }
    } finally {
      signal.removeEventListener("abort", cancel);
    }
  }

  /** Ends the call: the backend request is cancelled, pending requests for input fail. */
  cancel(reason: unknown): void {
    this.#abort.abort(reason);
    for (const ask of [...this.#queue, ...this.#sent.values()]) ask.reject(reason);
    this.#queue = [];
    this.#sent.clear();
  }
}

/**
 * The calls of 2026-07-28 clients that wait for input (multi round-trip requests): a backend that asks for
 * sampling, elicitation or roots during a call gets its answer from the client's retry. The first request
 * answers `input_required` with the backend's requests and an opaque `requestState` (a random id, bound to
 * the caller); the retry carrying it and the `inputResponses` continues the same backend call. A call
 * whose retry does not come within `ttlMs` is cancelled. The calls are in-process state; with `remote` each
 * state names its replica, and a retry that lands on another replica is forwarded to it.
 */
export class InputRounds {
  readonly #parked = new Map<string, { call: ParkedCall; timer: ReturnType<typeof setTimeout> }>();
  readonly #ttlMs: number;
  readonly #maxParked: number;
  readonly #timers: Timers;
  readonly #remote: RemoteRounds | undefined;

  constructor(options: InputRoundsOptions = {}) {
    this.#ttlMs = options.ttlMs ?? 300_000;
    this.#maxParked = options.maxParked ?? 1000;
    this.#timers = options.timers ?? { setTimeout, clearTimeout };
    this.#remote = options.remote;
    // A retry another replica received for a call held here: one round, its outcome sent back.
    this.#remote?.serve(async (retry, signal) => {
      const call = this.#resumeHere(retry.state, retry.owner);
      call.answer(retry.responses);
      return this.round(call, signal);
    });
  }

  /** Calls waiting for a retry. */
  get size(): number {
    return this.#parked.size;
  }

  /** Starts a call that may ask for input; `run` gets the function that asks and the call's signal. */
  begin(owner: string, run: (ask: AskFn, signal: AbortSignal) => Promise<Params>): RoundCall {
    return new ParkedCall(owner, run);
  }

  /**
   * The call a retry continues, taken out of the waiting set (or, for a state another replica handed out,
   * the call there).
   * @throws GatewayError USAGE (-32602) when the state is unknown, expired or another caller's
   */
  resume(state: string, owner: string): RoundCall {
    const replica = this.#remote && isGatewayState(state) ? stateReplica(state) : undefined;
    if (this.#remote && replica && replica !== this.#remote.origin)
      return new RemoteCall(replica, state, owner);
    return this.#resumeHere(state, owner);
  }

  #resumeHere(state: string, owner: string): ParkedCall {
    const parked = this.#parked.get(state);
    if (!parked || parked.call.owner !== owner) {
      throw new GatewayError("USAGE", "invalid or expired requestState (start the call again)");
    }
    this.#parked.delete(state);
    this.#timers.clearTimeout(parked.timer);
    return parked.call;
  }

  /**
   * Runs one round of a call and says how it ended; a call that needs input waits for its retry.
   * @throws the call's own error; GatewayError CONCURRENCY_LIMITED when too many calls wait already
   */
  async round(call: RoundCall, signal: AbortSignal): Promise<RoundOutcome> {
    if (call instanceof RemoteCall) {
      const retry = { state: call.state, owner: call.owner, responses: call.responses };
      if (!this.#remote)
        throw new GatewayError("USAGE", "invalid or expired requestState (start the call again)");
      return this.#remote.forward(call.replica, retry, signal);
    }
    const step = await call.next(signal);
    if ("done" in step) return { kind: "complete", result: step.done };
    if (this.#parked.size >= this.#maxParked) {
      call.cancel(new Error("too many calls waiting for input"));
      throw new GatewayError(
        "CONCURRENCY_LIMITED",
        `${this.#maxParked} calls already wait for input; try again later`,
      );
    }
    const state = `${STATE_PREFIX}${this.#remote ? `${this.#remote.origin}.` : ""}${crypto.randomUUID()}`;
    const timer = this.#timers.setTimeout(() => {
      this.#parked.delete(state);
      call.cancel(new Error(`no retry with the requested input within ${this.#ttlMs}ms`));
    }, this.#ttlMs);
    (timer as { unref?: () => void }).unref?.();
    this.#parked.set(state, { call, timer });
    const requests = Object.fromEntries(
      [...step.asks].map(([key, ask]) => [key, { method: ask.method, params: ask.params }]),
    );
    return { kind: "input", requests, state };
  }

  /** Cancels every waiting call (shutdown). */
  closeAll(): void {
    for (const { call, timer } of this.#parked.values()) {
      this.#timers.clearTimeout(timer);
      call.cancel(new Error("gateway shutting down"));
    }
    this.#parked.clear();
  }
}
