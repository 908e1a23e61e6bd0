import { formatWait, RateLimitedError } from "./errors.ts";
import { assertNumber } from "./options.ts";
import type { SharedBuckets } from "./shared-state.ts";

/** Options of {@link TokenBucket}. */
export interface TokenBucketOptions {
  /** Sustained rate: tokens added per second (fractions allowed, e.g. 0.5). @default 100 */
  requestsPerSecond?: number;
  /** Bucket size: how many calls may arrive at once after a quiet spell. @default max(1, requestsPerSecond) */
  burst?: number;
  /** Clock in ms; only differences matter. @default performance.now */
  now?: () => number;
}

/** Outcome of {@link TokenBucket.tryAcquire}. */
export type AcquireResult = { ok: true } | { ok: false; retryAfterMs: number };

/** A token bucket that starts full; never waits, never schedules timers. */
export class TokenBucket {
  readonly requestsPerSecond: number;
  readonly burst: number;
  readonly #now: () => number;
  #tokens: number;
  #updatedAt: number;

  /** @throws RangeError when an option is out of range. */
  constructor(options: TokenBucketOptions = {}) {
    this.requestsPerSecond = options.requestsPerSecond ?? 100;
    assertNumber("rate limit", "requestsPerSecond", this.requestsPerSecond, { min: 0, exclusiveMin: true });
    this.burst = options.burst ?? Math.max(1, this.requestsPerSecond);
    assertNumber("rate limit", "burst", this.burst, { min: 1 });
    this.#now = options.now ?? (() => performance.now());
    this.#tokens = this.burst;
    this.#updatedAt = this.#now();
  }

  /** Tokens available right now (fractional while refilling). */
  get available(): number {
    this.#refill();
    return this.#tokens;
  }

  /** Takes one token, or says how many ms until one is there. */
  tryAcquire(): AcquireResult {
    this.#refill();
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterMs: Math.ceil(((1 - this.#tokens) / this.requestsPerSecond) * 1000) };
  }

  #refill(): void {
    const now = this.#now();
    // A clock that steps backwards (an injected or adjusted one) must not drain the bucket.
    const elapsed = Math.max(0, now - this.#updatedAt);
    this.#tokens = Math.min(this.burst, this.#tokens + (elapsed / 1000) * this.requestsPerSecond);
    this.#updatedAt = now;
  }
}

/** Options of {@link RateLimiter}. */
export interface RateLimiterOptions extends TokenBucketOptions {
  /** Replicas share this limiter's bucket under `key`; the local bucket serves while the store is away. */
  shared?: { buckets: SharedBuckets; key: string } | undefined;
}

/** A backend's rate limiter: a {@link TokenBucket} whose refusals are {@link RateLimitedError}s. */
export class RateLimiter {
  readonly backend: string;
  readonly #bucket: TokenBucket;
  readonly #shared: RateLimiterOptions["shared"];

  /** @throws RangeError when an option is out of range. */
  constructor(backend: string, options: RateLimiterOptions = {}) {
    this.backend = backend;
    this.#bucket = new TokenBucket(options);
    this.#shared = options.shared;
  }

  /** True when the bucket is shared by replicas (then use {@link take}). */
  get shared(): boolean {
    return this.#shared !== undefined;
  }

  /**
   * Takes a token from the shared bucket (the local one while the shared store does not answer) or throws.
   * @throws RateLimitedError naming the limit and when to retry
   */
  async take(): Promise<void> {
    const { requestsPerSecond, burst } = this.#bucket;
    const result =
      (await this.#shared?.buckets.take(this.#shared.key, { requestsPerSecond, burst })) ??
      this.#bucket.tryAcquire();
    if (!result.ok) throw this.#refusal(result.retryAfterMs);
  }

  get available(): number {
    return this.#bucket.available;
  }

  /**
   * Takes a token or throws.
   * @throws RateLimitedError naming the limit and when to retry
   */
  acquire(): void {
    const result = this.#bucket.tryAcquire();
    if (!result.ok) throw this.#refusal(result.retryAfterMs);
  }

  #refusal(retryAfterMs: number): RateLimitedError {
    const { requestsPerSecond, burst } = this.#bucket;
    return new RateLimitedError(
      this.backend,
      `backend "${this.backend}": rate limit of ${requestsPerSecond} requests/s (burst ${burst}) reached; ` +
        `retry in ${formatWait(retryAfterMs)} (or raise failsafe.rate_limit.requests_per_second)`,
      { retryAfterMs },
    );
  }
}
