import { CircuitOpenError, formatWait } from "./errors.ts";
import { assertInteger, assertNumber } from "./options.ts";
import type { RemoteCircuit } from "./shared-state.ts";

/** Where a breaker stands: passing calls, failing fast, or letting a few probes through. */
export type CircuitState = "closed" | "open" | "half-open";

/** One state change, handed to `onStateChange` (metrics, logs). */
export interface CircuitTransition {
  backend: string;
  from: CircuitState;
  to: CircuitState;
  /** Why: the failure that opened it, or what closed/half-opened it. */
  reason: string;
  at: number;
  /** True when another replica's announcement caused it (so it is not announced again). */
  remote?: boolean;
}

/** Options of {@link CircuitBreaker}. */
export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. @default 5 */
  failureThreshold?: number;
  /** Consecutive probe successes in half-open that close it again. @default 3 */
  successThreshold?: number;
  /** How long the circuit stays open before letting a probe through, in ms. @default 30_000 */
  resetTimeout?: number;
  /** Probe calls allowed in flight at once while half-open. @default 1 */
  halfOpenMaxCalls?: number;
  /** Called after every state change; must not throw. */
  onStateChange?: ((transition: CircuitTransition) => void) | undefined;
  /** Clock in ms since epoch. @default Date.now */
  now?: () => number;
}

/**
 * Where a failure came from, when the backend can tell: every call that failed because of one lost
 * connection (or one failed start) shares `key`, and `recovered` settles once the backend is up again.
 */
export interface FailureSource {
  /** Identifies the connection; failures with the same key count as one. */
  readonly key: object;
  /** Settles when a later connection is up; an open circuit then half-opens at once. */
  readonly recovered?: Promise<void> | undefined;
}

/**
 * The ticket for one call through the breaker. Settle it exactly once; later calls are ignored, and so are
 * results of calls admitted before the breaker last changed state (they describe a backend that was).
 */
export interface CircuitPermit {
  /** The backend answered (an `isError` tool result counts: the backend works). */
  succeed(): void;
  /**
   * A transport error, crash or timeout. Failures sharing a `source` key count once: the calls in flight
   * when a connection drops all fail together, and that is one backend failure, not one per call.
   */
  fail(error?: unknown, source?: FailureSource): void;
  /** Neither: the caller cancelled. Frees a half-open probe slot without counting. */
  abandon(): void;
}

/** A snapshot for /health and gateway_list_servers. */
export interface CircuitSnapshot {
  state: CircuitState;
  consecutiveFailures: number;
  /** When an open circuit lets the next probe through (ms since epoch); undefined unless open. */
  retryAt: number | undefined;
  lastFailure: string | undefined;
}

/**
 * A per-backend circuit breaker: opens after `failureThreshold` consecutive failures, fails fast with a
 * {@link CircuitOpenError} saying when it will retry, half-opens after `resetTimeout` with at most
 * `halfOpenMaxCalls` probes in flight, closes after `successThreshold` probe successes, and reopens on any
 * half-open failure. Failures from one {@link FailureSource} count once, and an open circuit whose last
 * failure's source recovers (the backend restarted) half-opens without waiting for `resetTimeout`.
 */
export class CircuitBreaker {
  readonly backend: string;
  readonly failureThreshold: number;
  readonly successThreshold: number;
  readonly resetTimeout: number;
  readonly halfOpenMaxCalls: number;
  readonly #onStateChange: ((transition: CircuitTransition) => void) | undefined;
  readonly #now: () => number;
  #state: CircuitState = "closed";
  // Bumped on every transition so late results from an earlier state are not counted in the new one.
  #generation = 0;
  #failures = 0;
  #successes = 0;
  #probesInFlight = 0;
  #openedAt = 0;
  #lastFailure: string | undefined;
  // The source of the last counted failure: later failures from the same connection are not counted again.
  #lastSource: object | undefined;

  /** @throws RangeError when an option is out of range. */
  constructor(backend: string, options: CircuitBreakerOptions = {}) {
    const owner = `circuit breaker "${backend}"`;
    this.backend = backend;
    this.failureThreshold = options.failureThreshold ?? 5;
    this.successThreshold = options.successThreshold ?? 3;
    this.resetTimeout = options.resetTimeout ?? 30_000;
    this.halfOpenMaxCalls = options.halfOpenMaxCalls ?? 1;
    assertInteger(owner, "failureThreshold", this.failureThreshold, 1);
    assertInteger(owner, "successThreshold", this.successThreshold, 1);
    assertNumber(owner, "resetTimeout", this.resetTimeout, { min: 0 });
    assertInteger(owner, "halfOpenMaxCalls", this.halfOpenMaxCalls, 1);
    this.#onStateChange = options.onStateChange;
    this.#now = options.now ?? Date.now;
  }

  /** The current state; an open circuit whose reset timeout has passed reports (and becomes) half-open. */
  get state(): CircuitState {
    this.#tick();
    return this.#state;
  }

  snapshot(): CircuitSnapshot {
    const state = this.state;
    return {
      state,
      consecutiveFailures: this.#failures,
      retryAt: state === "open" ? this.#openedAt + this.resetTimeout : undefined,
      lastFailure: this.#lastFailure,
    };
  }

  /**
   * Throws when a call would be refused right now, without taking a probe slot; lets callers fail fast
   * before queueing for other limits.
   * @throws CircuitOpenError
   */
  check(): void {
    this.#tick();
    if (this.#state === "open") throw this.#openError();
    if (this.#state === "half-open" && this.#probesInFlight >= this.halfOpenMaxCalls) {
      throw this.#probingError();
    }
  }

  /**
   * Admits one call, or throws when the circuit is open or every half-open probe slot is taken.
   * @throws CircuitOpenError
   */
  acquire(): CircuitPermit {
    this.check();
    const generation = this.#generation;
    const probe = this.#state === "half-open";
    if (probe) this.#probesInFlight++;
    let settled = false;
    const settle = (
      outcome: "success" | "failure" | "abandon",
      error?: unknown,
      source?: FailureSource,
    ): void => {
      if (settled) return;
      settled = true;
      if (probe && generation === this.#generation) this.#probesInFlight--;
      if (outcome === "failure" && source && source.key === this.#lastSource) return;
      if (generation !== this.#generation || outcome === "abandon") return;
      if (outcome === "success") this.#onSuccess();
      else this.#onFailure(error, source);
    };
    return {
      succeed: () => settle("success"),
      fail: (error?: unknown, source?: FailureSource) => settle("failure", error, source),
      abandon: () => settle("abandon"),
    };
  }

  /** Closes the circuit and forgets failures (after a manual restart or a config reload). */
  reset(reason = "reset"): void {
    this.#failures = 0;
    this.#lastFailure = undefined;
    this.#lastSource = undefined;
    if (this.#state !== "closed") this.#transition("closed", reason);
  }

  /**
   * Takes on a state another replica announced: an open circuit there opens this one until the same
   * moment (a later deadline here wins); a close there closes this one. Not announced back.
   */
  adopt(remote: RemoteCircuit): void {
    if (remote.state === "closed") {
      if (this.#state === "closed") return;
      this.#failures = 0;
      this.#lastSource = undefined;
      this.#transition("closed", `closed on another replica: ${remote.reason}`, true);
      return;
    }
    const openedAt = this.#now() + remote.retryAfterMs - this.resetTimeout;
    if (this.#state === "open" && this.#openedAt >= openedAt) return;
    this.#openedAt = openedAt;
    this.#failures = Math.max(this.#failures, remote.failures);
    this.#lastFailure = remote.reason;
    this.#transition("open", `opened on another replica: ${remote.reason}`, true);
  }

  /** Lets probes through now instead of after `resetTimeout` (the backend is known to be back); no-op unless open. */
  halfOpen(reason = "backend is back"): void {
    if (this.#state === "open") this.#transition("half-open", reason);
  }

  #onSuccess(): void {
    this.#lastSource = undefined;
    if (this.#state === "closed") {
      this.#failures = 0;
      return;
    }
    if (this.#state === "half-open") {
      this.#successes++;
      if (this.#successes >= this.successThreshold) {
        this.#failures = 0;
        this.#transition("closed", `${this.#successes} probe calls succeeded`);
      }
    }
  }

  #onFailure(error: unknown, source: FailureSource | undefined): void {
    this.#lastFailure = describe(error);
    this.#lastSource = source?.key;
    if (this.#state === "closed") {
      this.#failures++;
      if (this.#failures >= this.failureThreshold) {
        this.#open(`${this.#failures} consecutive failures (last: ${this.#lastFailure})`, source);
      }
    } else if (this.#state === "half-open") {
      this.#failures++;
      this.#open(`probe call failed: ${this.#lastFailure}`, source);
    }
  }

  #open(reason: string, source: FailureSource | undefined): void {
    this.#openedAt = this.#now();
    this.#transition("open", reason);
    const generation = this.#generation;
    // A backend that restarts by itself (after a crash) is worth probing at once, not in `resetTimeout`.
    void source?.recovered?.then(
      () => {
        if (generation === this.#generation) this.halfOpen("backend restarted");
      },
      () => undefined,
    );
  }

  #tick(): void {
    if (this.#state === "open" && this.#now() >= this.#openedAt + this.resetTimeout) {
      this.#transition("half-open", `reset timeout of ${formatWait(this.resetTimeout)} passed`);
    }
  }

  #transition(to: CircuitState, reason: string, remote = false): void {
    const from = this.#state;
    this.#state = to;
    this.#generation++;
    this.#successes = 0;
    this.#probesInFlight = 0;
    const at = this.#now();
    this.#onStateChange?.({ backend: this.backend, from, to, reason, at, ...(remote ? { remote } : {}) });
  }

  #openError(): CircuitOpenError {
    const retryAt = this.#openedAt + this.resetTimeout;
    const retryAfterMs = Math.max(0, retryAt - this.#now());
    const last = this.#lastFailure ? ` (last: ${this.#lastFailure})` : "";
    return new CircuitOpenError(
      this.backend,
      `backend "${this.backend}": circuit open after ${this.#failures} consecutive failures${last}; ` +
        `failing fast, next attempt in ${formatWait(retryAfterMs)} at ${new Date(retryAt).toISOString()}`,
      { retryAt, retryAfterMs },
    );
  }

  #probingError(): CircuitOpenError {
    const now = this.#now();
    return new CircuitOpenError(
      this.backend,
      `backend "${this.backend}": recovering, circuit half-open with ${this.#probesInFlight} probe ` +
        `call${this.#probesInFlight === 1 ? "" : "s"} in flight; retry in a moment`,
      { retryAt: now, retryAfterMs: 0 },
    );
  }
}

function describe(error: unknown): string {
  if (error === undefined) return "unknown failure";
  const text = error instanceof Error ? error.message : String(error);
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}
