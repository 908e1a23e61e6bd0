import { describe, expect, test } from "bun:test";
import { RateLimitedError } from "../../src/failsafe/errors.ts";
import { abortableSleep, type RetryEvent, RetryPolicy, retryAfterOf } from "../../src/failsafe/retry.ts";
import { FakeTime, settle } from "./fake-time.ts";

const always = () => true;

/** A function failing `failures` times, then answering "ok"; counts its calls. */
function flaky(failures: number, error: () => unknown = () => new Error("transient")) {
  const calls: number[] = [];
  const fn = async (attempt: number): Promise<string> => {
    calls.push(attempt);
    if (calls.length <= failures) throw error();
    return "ok";
  };
  return { fn, calls };
}

describe("RetryPolicy", () => {
  test("returns the first success without waiting", async () => {
    const time = new FakeTime();
    const policy = new RetryPolicy({ sleep: time.instantSleep });
    const { fn, calls } = flaky(0);
    expect(await policy.run(fn, { shouldRetry: always })).toBe("ok");
    expect(calls).toEqual([1]);
    expect(time.sleeps).toEqual([]);
  });

  test("retries up to maxAttempts in all, then rethrows the last error unchanged", async () => {
    const time = new FakeTime();
    const policy = new RetryPolicy({ maxAttempts: 3, sleep: time.instantSleep });
    let n = 0;
    const errors: Error[] = [];
    const fn = async (): Promise<never> => {
      const err = new Error(`failure ${++n}`);
      errors.push(err);
      throw err;
    };
    const thrown = await policy.run(fn, { shouldRetry: always }).catch((e: unknown) => e);
    expect(n).toBe(3);
    expect(thrown).toBe(errors[2]);
    expect(time.sleeps).toHaveLength(2);
  });

  test("succeeds on a later attempt and passes the attempt number", async () => {
    const time = new FakeTime();
    const policy = new RetryPolicy({ sleep: time.instantSleep });
    const { fn, calls } = flaky(2);
    expect(await policy.run(fn, { shouldRetry: always })).toBe("ok");
    expect(calls).toEqual([1, 2, 3]);
  });

  test("never retries when shouldRetry says no, and asks with the attempt number", async () => {
    const time = new FakeTime();
    const policy = new RetryPolicy({ sleep: time.instantSleep });
    const asked: number[] = [];
    const { fn, calls } = flaky(5);
    const shouldRetry = (_error: unknown, attempt: number) => {
      asked.push(attempt);
      return attempt < 2;
    };
    await expect(policy.run(fn, { shouldRetry })).rejects.toThrow("transient");
    expect(calls).toEqual([1, 2]);
    expect(asked).toEqual([1, 2]);
  });

  test("backoff grows exponentially with full jitter and is capped by maxBackoff", () => {
    const policy = new RetryPolicy({
      initialBackoff: 100,
      maxBackoff: 1_000,
      multiplier: 2,
      random: () => 0.5,
    });
    expect([1, 2, 3, 4, 5, 6].map((a) => policy.backoff(a))).toEqual([50, 100, 200, 400, 500, 500]);
    const top = new RetryPolicy({ initialBackoff: 100, maxBackoff: 1_000, random: () => 0.999999 });
    expect(top.backoff(1)).toBe(99);
    expect(top.backoff(10)).toBe(999);
    const bottom = new RetryPolicy({ random: () => 0 });
    expect(bottom.backoff(3)).toBe(0);
  });

  test("waits the jittered backoff between attempts and reports each retry", async () => {
    const time = new FakeTime();
    const events: RetryEvent[] = [];
    const policy = new RetryPolicy({ maxAttempts: 4, sleep: time.instantSleep, random: () => 0.25 });
    const { fn } = flaky(3);
    await policy.run(fn, { shouldRetry: always, onRetry: (e) => events.push(e) });
    expect(time.sleeps).toEqual([25, 50, 100]);
    expect(events.map((e) => [e.attempt, e.delayMs])).toEqual([
      [1, 25],
      [2, 50],
      [3, 100],
    ]);
  });

  test("honours a retryAfterMs hint instead of the jittered backoff", async () => {
    const time = new FakeTime();
    const policy = new RetryPolicy({ sleep: time.instantSleep, random: () => 0 });
    const { fn } = flaky(1, () => new RateLimitedError("b", "slow down", { retryAfterMs: 750 }));
    expect(await policy.run(fn, { shouldRetry: always })).toBe("ok");
    expect(time.sleeps).toEqual([750]);
  });

  test("gives up at once when the hint exceeds maxBackoff", async () => {
    const time = new FakeTime();
    const policy = new RetryPolicy({ maxBackoff: 1_000, sleep: time.instantSleep });
    const { fn, calls } = flaky(1, () => Object.assign(new Error("503"), { retryAfterMs: 60_000 }));
    await expect(policy.run(fn, { shouldRetry: always })).rejects.toThrow("503");
    expect(calls).toEqual([1]);
    expect(time.sleeps).toEqual([]);
  });

  test("aborting during the wait stops at once with the abort reason", async () => {
    const time = new FakeTime();
    const policy = new RetryPolicy({ sleep: time.sleep, random: () => 0.5 });
    const { fn, calls } = flaky(5);
    const controller = new AbortController();
    const run = policy.run(fn, { shouldRetry: always, signal: controller.signal });
    await settle();
    expect(time.pendingTimers).toBe(1);
    controller.abort(new Error("client went away"));
    await expect(run).rejects.toThrow("client went away");
    expect(calls).toEqual([1]);
    expect(time.pendingTimers).toBe(0);
  });

  test("an already aborted signal runs nothing", async () => {
    const policy = new RetryPolicy();
    const { fn, calls } = flaky(0);
    await expect(policy.run(fn, { shouldRetry: always, signal: AbortSignal.abort() })).rejects.toThrow();
    expect(calls).toEqual([]);
  });

  test("maxAttempts 1 never retries", async () => {
    const policy = new RetryPolicy({ maxAttempts: 1 });
    const { fn, calls } = flaky(1);
    await expect(policy.run(fn, { shouldRetry: always })).rejects.toThrow("transient");
    expect(calls).toEqual([1]);
  });

  test.each([
    [{ maxAttempts: 0 }, "maxAttempts"],
    [{ maxAttempts: 2.5 }, "maxAttempts"],
    [{ initialBackoff: -1 }, "initialBackoff"],
    [{ maxBackoff: Number.POSITIVE_INFINITY }, "maxBackoff"],
    [{ multiplier: 0.5 }, "multiplier"],
    [{ initialBackoff: 500, maxBackoff: 100 }, "must not be below initialBackoff"],
  ])("rejects invalid options %o", (options, message) => {
    expect(() => new RetryPolicy(options)).toThrow(RangeError);
    expect(() => new RetryPolicy(options)).toThrow(message);
  });
});

describe("RetryPolicy deadline", () => {
  /** An attempt that takes `ms` on the fake clock, then fails. */
  function slowFailure(time: FakeTime, ms: number) {
    const calls: number[] = [];
    const fn = async (attempt: number): Promise<string> => {
      calls.push(attempt);
      time.now += ms;
      throw new Error("timed out");
    };
    return { fn, calls };
  }

  test("no retry starts when another attempt as long as the last would end after the deadline", async () => {
    const time = new FakeTime();
    const policy = new RetryPolicy({
      maxAttempts: 3,
      sleep: time.instantSleep,
      now: time.clock,
      random: () => 0,
    });
    const { fn, calls } = slowFailure(time, 1000);
    const deadline = time.now + 1500;
    await expect(policy.run(fn, { shouldRetry: always, deadline })).rejects.toThrow("timed out");
    expect(calls).toEqual([1]);
  });

  test("retries that fit before the deadline still run", async () => {
    const time = new FakeTime();
    const policy = new RetryPolicy({
      maxAttempts: 3,
      sleep: time.instantSleep,
      now: time.clock,
      random: () => 0,
    });
    const { fn, calls } = slowFailure(time, 1000);
    await expect(policy.run(fn, { shouldRetry: always, deadline: time.now + 2500 })).rejects.toThrow();
    expect(calls).toEqual([1, 2]);
  });

  test("the backoff counts against the deadline", async () => {
    const time = new FakeTime();
    const policy = new RetryPolicy({
      maxAttempts: 3,
      initialBackoff: 1000,
      sleep: time.instantSleep,
      now: time.clock,
      random: () => 0.99,
    });
    const { fn, calls } = flaky(5);
    await expect(policy.run(fn, { shouldRetry: always, deadline: time.now + 500 })).rejects.toThrow();
    expect(calls).toEqual([1]);
  });
});

describe("retryAfterOf", () => {
  test("reads retryAfterMs from the error or its cause", () => {
    expect(retryAfterOf(Object.assign(new Error("x"), { retryAfterMs: 10 }))).toBe(10);
    expect(retryAfterOf(new Error("x", { cause: { retryAfterMs: 20 } }))).toBe(20);
  });

  test("ignores missing, negative and non-numeric hints", () => {
    expect(retryAfterOf(new Error("x"))).toBeUndefined();
    expect(retryAfterOf({ retryAfterMs: -1 })).toBeUndefined();
    expect(retryAfterOf({ retryAfterMs: "5" })).toBeUndefined();
    expect(retryAfterOf(null)).toBeUndefined();
    expect(retryAfterOf("boom")).toBeUndefined();
  });
});

describe("abortableSleep", () => {
  test("rejects at once for an aborted signal", async () => {
    await expect(abortableSleep(10_000, AbortSignal.abort(new Error("stop")))).rejects.toThrow("stop");
  });

  test("rejects when aborted while waiting", async () => {
    const controller = new AbortController();
    const sleeping = abortableSleep(10_000, controller.signal);
    controller.abort(new Error("stop"));
    await expect(sleeping).rejects.toThrow("stop");
  });

  test("resolves after a zero wait", async () => {
    await expect(abortableSleep(0)).resolves.toBeUndefined();
  });
});
