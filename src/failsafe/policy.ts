import {
  CircuitBreaker,
  type CircuitSnapshot,
  type CircuitState,
  type CircuitTransition,
} from "./circuit-breaker.ts";
import { classifyFailure, type FailureKind, failureSourceOf, isTimeout } from "./classify.ts";
import { ConcurrencyLimiter } from "./concurrency.ts";
import type { FailsafeConfig } from "./config.ts";
import { CircuitOpenError, ConcurrencyLimitedError, RateLimitedError } from "./errors.ts";
import { RateLimiter } from "./rate-limit.ts";
import { RetryPolicy } from "./retry.ts";
import type { RemoteCircuit, SharedBuckets, SharedCircuits } from "./shared-state.ts";

/** Why a failsafe refused a call before it was sent (the `reason` label of the rejections metric). */
export type RejectionReason = "circuit_open" | "rate_limited" | "concurrency_limited";

/** Something the failsafes did, for metrics and logs. */
export type FailsafeEvent =
  | ({ type: "circuit" } & CircuitTransition)
  | { type: "rejected"; backend: string; reason: RejectionReason; error: Error }
  | { type: "retry"; backend: string; attempt: number; delayMs: number; error: unknown; kind: FailureKind };

/** Options of {@link FailsafePolicy}; everything injectable for tests. */
export interface FailsafePolicyOptions {
  /** Clock in ms since epoch (breaker and rate limit). @default Date.now */
  now?: () => number;
  /** Backoff and queue-timeout sleep; rejects with the signal's reason on abort. @default setTimeout-based */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Jitter source in [0, 1). @default Math.random */
  random?: () => number;
  /** Decides what a thrown error means. @default classifyFailure */
  classify?: (error: unknown, signal?: AbortSignal) => FailureKind;
  /** Receives every circuit transition, rejection and retry; must not throw. */
  onEvent?: ((event: FailsafeEvent) => void) | undefined;
  /**
   * State shared with the other replicas (see `src/cluster/`): the rate-limit bucket, and the breaker's
   * opening and closing. @default none: this process alone
   */
  shared?: { buckets?: SharedBuckets | undefined; circuits?: SharedCircuits | undefined } | undefined;
}

/** Per-call options of {@link FailsafePolicy.run}. */
export interface FailsafeRunOptions {
  /**
   * The call may run twice without harm (tool annotated readOnlyHint or idempotentHint). When false, only a
   * failure that never reached the backend is retried.
   */
  retrySafe: boolean;
  /**
   * When the caller stops waiting, in ms since epoch on the policy's clock: no retry starts that could not
   * finish before it. @default none (only `max_attempts` and the signal bound the retries)
   */
  deadline?: number | undefined;
  /** The caller's cancellation: stops waiting in the queue and between attempts. */
  signal?: AbortSignal | undefined;
}

/** What /health shows about a backend's failsafes. */
export interface FailsafeSnapshot {
  circuit: CircuitSnapshot | undefined;
  inFlight: number | undefined;
  queued: number | undefined;
}

/**
 * The failsafes of one backend composed around a call: circuit check, rate limit, concurrency slot (held
 * across retries), then attempts each admitted by the breaker and retried only when safe. A resolved value is
 * always a success, `isError: true` tool results included: the backend answered.
 */
export class FailsafePolicy {
  readonly backend: string;
  readonly #breaker: CircuitBreaker | undefined;
  readonly #rate: RateLimiter | undefined;
  readonly #concurrency: ConcurrencyLimiter | undefined;
  readonly #retry: RetryPolicy | undefined;
  readonly #classify: (error: unknown, signal?: AbortSignal) => FailureKind;
  readonly #onEvent: ((event: FailsafeEvent) => void) | undefined;
  readonly #circuits: SharedCircuits | undefined;

  /** @throws RangeError when a setting is out of range (the config schema prevents it). */
  constructor(backend: string, config: FailsafeConfig, options: FailsafePolicyOptions = {}) {
    this.backend = backend;
    this.#onEvent = options.onEvent;
    this.#circuits = options.shared?.circuits;
    this.#classify = options.classify ?? classifyFailure;
    const { circuit_breaker: cb, retry, rate_limit: rate, concurrency } = config;
    const now = options.now ? { now: options.now } : {};
    const sleep = options.sleep ? { sleep: options.sleep } : {};
    this.#breaker = cb.enabled
      ? new CircuitBreaker(backend, {
          failureThreshold: cb.failure_threshold,
          successThreshold: cb.success_threshold,
          resetTimeout: cb.reset_timeout,
          halfOpenMaxCalls: cb.half_open_max_calls,
          onStateChange: (transition) => {
            this.#onEvent?.({ type: "circuit", ...transition });
            if (!transition.remote) this.#announce(transition.to, transition.reason);
          },
          ...now,
        })
      : undefined;
    this.#rate = rate.enabled
      ? new RateLimiter(backend, {
          requestsPerSecond: rate.requests_per_second,
          ...(rate.burst !== undefined ? { burst: rate.burst } : {}),
          ...(options.shared?.buckets
            ? { shared: { buckets: options.shared.buckets, key: `backend:${backend}` } }
            : {}),
          ...now,
        })
      : undefined;
    this.#concurrency = concurrency.enabled
      ? new ConcurrencyLimiter(backend, {
          maxConcurrent: concurrency.max_concurrent,
          queueTimeout: concurrency.queue_timeout,
          ...sleep,
        })
      : undefined;
    this.#retry =
      retry.enabled && retry.max_attempts > 1
        ? new RetryPolicy({
            maxAttempts: retry.max_attempts,
            initialBackoff: retry.initial_backoff,
            maxBackoff: retry.max_backoff,
            multiplier: retry.multiplier,
            ...sleep,
            ...now,
            ...(options.random ? { random: options.random } : {}),
          })
        : undefined;
  }

  /** The breaker's state, or undefined when the breaker is disabled. */
  get circuitState(): CircuitState | undefined {
    return this.#breaker?.state;
  }

  snapshot(): FailsafeSnapshot {
    return {
      circuit: this.#breaker?.snapshot(),
      inFlight: this.#concurrency?.inFlight,
      queued: this.#concurrency?.queued,
    };
  }

  /** Takes on the breaker state another replica announced (no-op without a breaker). */
  adoptCircuit(remote: RemoteCircuit): void {
    this.#breaker?.adopt(remote);
  }

  #announce(to: CircuitState, reason: string): void {
    if (!this.#circuits || !this.#breaker || to === "half-open") return;
    if (to === "closed") {
      this.#circuits.announce(this.backend, { state: "closed", reason });
      return;
    }
    const snapshot = this.#breaker.snapshot();
    this.#circuits.announce(this.backend, {
      state: "open",
      retryAfterMs: this.#breaker.resetTimeout,
      failures: snapshot.consecutiveFailures,
      reason: snapshot.lastFailure ?? reason,
    });
  }

  /** Closes the circuit (after the backend was restarted or reconfigured). */
  reset(reason?: string): void {
    this.#breaker?.reset(reason);
  }

  /**
   * Runs `call` under the failsafes; `attempt` is 1-based.
   * @throws CircuitOpenError, RateLimitedError, ConcurrencyLimitedError when refused; otherwise the last
   * attempt's error unchanged; the signal's reason when aborted
   */
  async run<T>(
    call: (signal: AbortSignal | undefined, attempt: number) => Promise<T>,
    options: FailsafeRunOptions,
  ): Promise<T> {
    const { signal } = options;
    signal?.throwIfAborted();
    const release = await this.#admit(signal);
    try {
      const once = (attempt: number): Promise<T> => this.#attempt(call, attempt, signal);
      if (!this.#retry) return await once(1);
      return await this.#retry.run(once, {
        signal,
        deadline: options.deadline,
        shouldRetry: (error) => {
          // An attempt that just opened the circuit would only be refused after the backoff.
          if (this.#breaker?.state === "open") return false;
          // A timeout cost a whole timeout already (a start that hung included): repeat only what is safe.
          if (!options.retrySafe && isTimeout(error)) return false;
          const kind = this.#classify(error, signal);
          return kind === "not-reached" || (kind === "maybe-reached" && options.retrySafe);
        },
        onRetry: ({ error, attempt, delayMs }) =>
          this.#onEvent?.({
            type: "retry",
            backend: this.backend,
            attempt,
            delayMs,
            error,
            kind: this.#classify(error, signal),
          }),
      });
    } finally {
      release?.();
    }
  }

  async #admit(signal: AbortSignal | undefined): Promise<(() => void) | undefined> {
    try {
      // Cheapest refusal first, and before taking a token or queueing.
      this.#breaker?.check();
      if (this.#rate?.shared) await this.#rate.take();
      else this.#rate?.acquire();
      return await this.#concurrency?.acquire(signal);
    } catch (error) {
      this.#rejected(error);
      throw error;
    }
  }

  async #attempt<T>(
    call: (signal: AbortSignal | undefined, attempt: number) => Promise<T>,
    attempt: number,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    let permit: ReturnType<CircuitBreaker["acquire"]> | undefined;
    try {
      permit = this.#breaker?.acquire();
    } catch (error) {
      this.#rejected(error);
      throw error;
    }
    try {
      const result = await call(signal, attempt);
      permit?.succeed();
      return result;
    } catch (error) {
      const kind = this.#classify(error, signal);
      if (kind === "not-reached" || kind === "maybe-reached") permit?.fail(error, failureSourceOf(error));
      else if (kind === "answered") permit?.succeed();
      else permit?.abandon();
      throw error;
    }
  }

  #rejected(error: unknown): void {
    const reason: RejectionReason | undefined =
      error instanceof CircuitOpenError
        ? "circuit_open"
        : error instanceof RateLimitedError
          ? "rate_limited"
          : error instanceof ConcurrencyLimitedError
            ? "concurrency_limited"
            : undefined;
    if (reason && error instanceof Error) {
      this.#onEvent?.({ type: "rejected", backend: this.backend, reason, error });
    }
  }
}
