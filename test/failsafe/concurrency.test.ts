import { describe, expect, test } from "bun:test";
import { ConcurrencyLimiter } from "../../src/failsafe/concurrency.ts";
import { ConcurrencyLimitedError } from "../../src/failsafe/errors.ts";
import { FakeTime, settle } from "./fake-time.ts";

function setup(options: { maxConcurrent?: number; queueTimeout?: number; maxQueue?: number } = {}) {
  const time = new FakeTime();
  const limiter = new ConcurrencyLimiter("files", { sleep: time.sleep, ...options });
  return { time, limiter };
}

/** Tracks a promise's outcome without awaiting it. */
function track<T>(promise: Promise<T>) {
  const state: { value?: T; error?: unknown; done: boolean } = { done: false };
  promise.then(
    (value) => Object.assign(state, { value, done: true }),
    (error: unknown) => Object.assign(state, { error, done: true }),
  );
  return state;
}

describe("ConcurrencyLimiter", () => {
  test("admits up to maxConcurrent at once", async () => {
    const { limiter } = setup({ maxConcurrent: 2 });
    await limiter.acquire();
    await limiter.acquire();
    expect(limiter.inFlight).toBe(2);
    const third = track(limiter.acquire());
    await settle();
    expect(third.done).toBe(false);
    expect(limiter.queued).toBe(1);
  });

  test("a released slot goes to the oldest waiter", async () => {
    const { limiter } = setup({ maxConcurrent: 1 });
    const release = await limiter.acquire();
    const order: string[] = [];
    const a = limiter.acquire().then((r) => {
      order.push("a");
      return r;
    });
    const b = limiter.acquire().then((r) => {
      order.push("b");
      return r;
    });
    await settle();
    release();
    (await a)();
    (await b)();
    expect(order).toEqual(["a", "b"]);
    expect(limiter.inFlight).toBe(0);
    expect(limiter.queued).toBe(0);
  });

  test("a newcomer cannot jump the queue when a slot frees", async () => {
    const { limiter } = setup({ maxConcurrent: 1 });
    const release = await limiter.acquire();
    const waiter = track(limiter.acquire());
    await settle();
    release();
    const newcomer = track(limiter.acquire());
    await settle();
    expect(waiter.done).toBe(true);
    expect(newcomer.done).toBe(false);
    expect(limiter.inFlight).toBe(1);
  });

  test("rejects with CONCURRENCY_LIMITED when no slot frees within queueTimeout", async () => {
    const { limiter, time } = setup({ maxConcurrent: 1, queueTimeout: 2_000 });
    await limiter.acquire();
    const waiting = track(limiter.acquire());
    await time.advance(1_999);
    expect(waiting.done).toBe(false);
    await time.advance(1);
    expect(waiting.error).toBeInstanceOf(ConcurrencyLimitedError);
    const err = waiting.error as ConcurrencyLimitedError;
    expect(err.code).toBe("CONCURRENCY_LIMITED");
    expect(err.message).toContain('backend "files"');
    expect(err.message).toContain("1 calls already in flight");
    expect(err.message).toContain("none finished within 2s");
    expect(err.maxConcurrent).toBe(1);
    expect(limiter.queued).toBe(0);
  });

  test("queueTimeout 0 rejects at once when full", async () => {
    const { limiter } = setup({ maxConcurrent: 1, queueTimeout: 0 });
    await limiter.acquire();
    await expect(limiter.acquire()).rejects.toThrow("queue_timeout");
  });

  test("a full wait queue rejects at once", async () => {
    const { limiter } = setup({ maxConcurrent: 1, maxQueue: 1 });
    await limiter.acquire();
    track(limiter.acquire());
    await expect(limiter.acquire()).rejects.toThrow("the wait queue is full");
  });

  test("aborting a waiter removes it from the queue with the abort reason", async () => {
    const { limiter, time } = setup({ maxConcurrent: 1 });
    const release = await limiter.acquire();
    const controller = new AbortController();
    const waiting = track(limiter.acquire(controller.signal));
    await settle();
    controller.abort(new Error("cancelled by client"));
    await settle();
    expect((waiting.error as Error).message).toBe("cancelled by client");
    expect(limiter.queued).toBe(0);
    expect(time.pendingTimers).toBe(0);
    release();
    expect(limiter.inFlight).toBe(0);
  });

  test("granting a waiter cancels its queue timer", async () => {
    const { limiter, time } = setup({ maxConcurrent: 1 });
    const release = await limiter.acquire();
    const waiting = track(limiter.acquire());
    await settle();
    expect(time.pendingTimers).toBe(1);
    release();
    await settle();
    expect(waiting.done).toBe(true);
    expect(time.pendingTimers).toBe(0);
  });

  test("releasing twice frees one slot", async () => {
    const { limiter } = setup({ maxConcurrent: 2 });
    const release = await limiter.acquire();
    await limiter.acquire();
    release();
    release();
    expect(limiter.inFlight).toBe(1);
  });

  test("run releases the slot even when the call throws", async () => {
    const { limiter } = setup({ maxConcurrent: 1 });
    await expect(
      limiter.run(async () => {
        throw new Error("backend crashed");
      }),
    ).rejects.toThrow("backend crashed");
    expect(limiter.inFlight).toBe(0);
    expect(await limiter.run(async () => 42)).toBe(42);
  });

  test.each([
    [{ maxConcurrent: 0 }, "maxConcurrent"],
    [{ maxConcurrent: 1.5 }, "maxConcurrent"],
    [{ queueTimeout: -1 }, "queueTimeout"],
    [{ maxQueue: -1 }, "maxQueue"],
  ])("rejects invalid options %o", (options, field) => {
    expect(() => new ConcurrencyLimiter("x", options)).toThrow(RangeError);
    expect(() => new ConcurrencyLimiter("x", options)).toThrow(field);
  });
});
