import { describe, expect, test } from "bun:test";
import { RateLimitedError } from "../../src/failsafe/errors.ts";
import { RateLimiter, TokenBucket } from "../../src/failsafe/rate-limit.ts";

function clock(start = 0) {
  const time = { now: start };
  return { time, now: () => time.now };
}

describe("TokenBucket", () => {
  test("starts full: burst calls pass at once, the next one is refused", () => {
    const { now } = clock();
    const bucket = new TokenBucket({ requestsPerSecond: 10, burst: 3, now });
    expect([1, 2, 3].map(() => bucket.tryAcquire().ok)).toEqual([true, true, true]);
    expect(bucket.tryAcquire()).toEqual({ ok: false, retryAfterMs: 100 });
  });

  test("burst defaults to requestsPerSecond", () => {
    const bucket = new TokenBucket({ requestsPerSecond: 100, now: () => 0 });
    expect(bucket.burst).toBe(100);
    let passed = 0;
    while (bucket.tryAcquire().ok) passed++;
    expect(passed).toBe(100);
  });

  test("refills at requestsPerSecond and says exactly how long until the next token", () => {
    const { time, now } = clock();
    const bucket = new TokenBucket({ requestsPerSecond: 4, burst: 1, now });
    expect(bucket.tryAcquire().ok).toBe(true);
    time.now += 100;
    // 0.4 of a token is there; 0.6 more takes 150ms at 4/s.
    expect(bucket.tryAcquire()).toEqual({ ok: false, retryAfterMs: 150 });
    time.now += 149;
    expect(bucket.tryAcquire().ok).toBe(false);
    time.now += 1;
    expect(bucket.tryAcquire().ok).toBe(true);
  });

  test("never holds more than burst tokens after a long idle spell", () => {
    const { time, now } = clock();
    const bucket = new TokenBucket({ requestsPerSecond: 10, burst: 2, now });
    time.now += 3_600_000;
    expect(bucket.available).toBe(2);
  });

  test("refused attempts do not consume tokens", () => {
    const { time, now } = clock();
    const bucket = new TokenBucket({ requestsPerSecond: 1, burst: 1, now });
    bucket.tryAcquire();
    for (let i = 0; i < 5; i++) bucket.tryAcquire();
    time.now += 1000;
    expect(bucket.tryAcquire().ok).toBe(true);
  });

  test("a clock stepping backwards does not drain the bucket", () => {
    const { time, now } = clock(10_000);
    const bucket = new TokenBucket({ requestsPerSecond: 1, burst: 2, now });
    time.now = 0;
    expect(bucket.available).toBe(2);
  });

  test("fractional rates work, with a burst of at least 1", () => {
    const { time, now } = clock();
    const bucket = new TokenBucket({ requestsPerSecond: 0.5, now });
    expect(bucket.burst).toBe(1);
    expect(bucket.tryAcquire().ok).toBe(true);
    expect(bucket.tryAcquire()).toEqual({ ok: false, retryAfterMs: 2000 });
    time.now += 2000;
    expect(bucket.tryAcquire().ok).toBe(true);
  });

  test.each([
    [{ requestsPerSecond: 0 }, "requestsPerSecond"],
    [{ requestsPerSecond: -3 }, "requestsPerSecond"],
    [{ requestsPerSecond: Number.NaN }, "requestsPerSecond"],
    [{ burst: 0.5 }, "burst"],
    [{ burst: Number.POSITIVE_INFINITY }, "burst"],
  ])("rejects invalid options %o", (options, field) => {
    expect(() => new TokenBucket(options)).toThrow(RangeError);
    expect(() => new TokenBucket(options)).toThrow(field);
  });
});

describe("RateLimiter", () => {
  test("throws RATE_LIMITED naming the backend, the limit and when to retry", () => {
    const limiter = new RateLimiter("search", { requestsPerSecond: 2, burst: 1, now: () => 0 });
    limiter.acquire();
    let caught: unknown;
    try {
      limiter.acquire();
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(RateLimitedError);
    const err = caught as RateLimitedError;
    expect(err.code).toBe("RATE_LIMITED");
    expect(err.backend).toBe("search");
    expect(err.retryAfterMs).toBe(500);
    expect(err.message).toContain('backend "search"');
    expect(err.message).toContain("2 requests/s");
    expect(err.message).toContain("retry in 500ms");
  });
});
