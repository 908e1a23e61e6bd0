import { assertInteger, assertNumber } from "./options.ts";

/** What `onRetry` learns before each wait. */
export interface RetryEvent {
  error: unknown;
  /** The attempt that just failed (1 = the first call). */
  attempt: number;
  /** How long the policy waits before the next attempt, in ms. */
  delayMs: number;
}

/** Options of {@link RetryPolicy}. */
export interface RetryOptions {
  /** Attempts in all, the first one included (1 = never retry). @default 3 */
  maxAttempts?: number;
  /** Upper bound of the first backoff, in ms. @default 100 */
  initialBackoff?: number;
  /** No backoff (nor honoured Retry-After hint) is longer than this, in ms. @default 10_000 */
  maxBackoff?: number;
  /** Growth of the backoff bound per attempt. @default 2 */
  multiplier?: number;
  /** Waits `ms`; rejects with the signal's reason when it aborts. @default a setTimeout-based sleep */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Uniform random number in [0, 1) for jitter. @default Math.random */
  random?: () => number;
  /** Clock in ms since epoch, for deadlines. @default Date.now */
  now?: () => number;
}

/** Per-run options of {@link RetryPolicy.run}. */
export interface RetryRunOptions {
  /**
   * Whether a failed attempt may run again. The caller owns safety: answer true only when the request never
   * reached the backend or the tool is read-only/idempotent.
   */
  shouldRetry: (error: unknown, attempt: number) => boolean;
  /** Called before each wait (metrics, logs). */
  onRetry?: ((event: RetryEvent) => void) | undefined;
  /**
   * When the caller stops waiting (ms since epoch, on the `now` clock). A retry is made only if the wait
   * plus another attempt as long as the last one ends before it: a timed-out attempt is not repeated
   * when a second timeout would outlast the caller. @default none
   */
  deadline?: number | undefined;
  /** Aborts the wait between attempts and stops further attempts. */
  signal?: AbortSignal | undefined;
}

/**
 * Exponential backoff with full jitter: the wait before attempt n+1 is uniform in
 * [0, min(maxBackoff, initialBackoff * multiplier^(n-1))). A `retryAfterMs` hint on the error replaces the
 * jittered wait; a hint longer than `maxBackoff` ends the retries (waiting that long would only hide the
 * error), as ky does with `Retry-After`.
 */
export class RetryPolicy {
  readonly maxAttempts: number;
  readonly initialBackoff: number;
  readonly maxBackoff: number;
  readonly multiplier: number;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly #random: () => number;
  readonly #now: () => number;

  /** @throws RangeError when an option is out of range. */
  constructor(options: RetryOptions = {}) {
    this.maxAttempts = options.maxAttempts ?? 3;
    this.initialBackoff = options.initialBackoff ?? 100;
    this.maxBackoff = options.maxBackoff ?? 10_000;
    this.multiplier = options.multiplier ?? 2;
    assertInteger("retry", "maxAttempts", this.maxAttempts, 1, 100);
    assertNumber("retry", "initialBackoff", this.initialBackoff, { min: 0 });
    assertNumber("retry", "maxBackoff", this.maxBackoff, { min: 0 });
    assertNumber("retry", "multiplier", this.multiplier, { min: 1 });
    if (this.maxBackoff < this.initialBackoff) {
      throw new RangeError(
        `retry: maxBackoff (${this.maxBackoff}ms) must not be below initialBackoff (${this.initialBackoff}ms)`,
      );
    }
    this.#sleep = options.sleep ?? abortableSleep;
    this.#random = options.random ?? Math.random;
    this.#now = options.now ?? Date.now;
  }

  /** The jittered wait after failed attempt `attempt` (1-based), ignoring any hint. */
  backoff(attempt: number): number {
    const bound = Math.min(this.maxBackoff, this.initialBackoff * this.multiplier ** (attempt - 1));
    return Math.floor(this.#random() * bound);
  }

  /**
   * Runs `fn` until it resolves, `shouldRetry` says no, `maxAttempts` is used up or the next attempt would
   * not fit before `deadline`; rethrows the last error unchanged.
   * @throws the last attempt's error, or the signal's reason when aborted
   */
  async run<T>(fn: (attempt: number) => Promise<T>, options: RetryRunOptions): Promise<T> {
    const { signal } = options;
    for (let attempt = 1; ; attempt++) {
      signal?.throwIfAborted();
      const started = this.#now();
      try {
        return await fn(attempt);
      } catch (error) {
        if (signal?.aborted || attempt >= this.maxAttempts || !options.shouldRetry(error, attempt))
          throw error;
        const hint = retryAfterOf(error);
        if (hint !== undefined && hint > this.maxBackoff) throw error;
        const delayMs = hint ?? this.backoff(attempt);
        const now = this.#now();
        if (options.deadline !== undefined && now + delayMs + (now - started) > options.deadline) throw error;
        options.onRetry?.({ error, attempt, delayMs });
        await this.#sleep(delayMs, signal);
      }
    }
  }
}

/**
 * The server's wait hint carried by an error, in ms: a numeric `retryAfterMs` on the error or its direct
 * `cause` (gateway errors such as RateLimitedError and CircuitOpenError carry one).
 */
export function retryAfterOf(error: unknown): number | undefined {
  for (
    let current = error, depth = 0;
    depth < 2 && typeof current === "object" && current !== null;
    depth++
  ) {
    const hint = (current as { retryAfterMs?: unknown }).retryAfterMs;
    if (typeof hint === "number" && Number.isFinite(hint) && hint >= 0) return hint;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** setTimeout-based sleep that rejects with the signal's reason on abort and leaves no timer behind. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
