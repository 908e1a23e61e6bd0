import { describe, expect, test } from "bun:test";
import { CircuitBreaker, type CircuitTransition } from "../../src/failsafe/circuit-breaker.ts";
import { CircuitOpenError } from "../../src/failsafe/errors.ts";
import { FakeTime, settle } from "./fake-time.ts";

function setup(options: ConstructorParameters<typeof CircuitBreaker>[1] = {}) {
  const time = new FakeTime();
  const transitions: CircuitTransition[] = [];
  const breaker = new CircuitBreaker("github", {
    now: time.clock,
    onStateChange: (t) => transitions.push(t),
    ...options,
  });
  const fail = (n: number, message = "boom") => {
    for (let i = 0; i < n; i++) breaker.acquire().fail(new Error(message));
  };
  return { time, breaker, transitions, fail };
}

function rejection(breaker: CircuitBreaker): CircuitOpenError {
  try {
    breaker.acquire();
  } catch (err) {
    if (err instanceof CircuitOpenError) return err;
    throw err;
  }
  throw new Error("expected the breaker to refuse");
}

describe("CircuitBreaker", () => {
  test("stays closed below failureThreshold consecutive failures", () => {
    const { breaker, fail } = setup();
    fail(4);
    expect(breaker.state).toBe("closed");
    expect(() => breaker.acquire()).not.toThrow();
  });

  test("opens after failureThreshold consecutive failures and reports the transition", () => {
    const { breaker, fail, transitions, time } = setup();
    fail(5, "connection refused");
    expect(breaker.state).toBe("open");
    expect(transitions).toHaveLength(1);
    expect(transitions[0]).toMatchObject({ backend: "github", from: "closed", to: "open", at: time.now });
    expect(transitions[0]?.reason).toContain("5 consecutive failures");
    expect(transitions[0]?.reason).toContain("connection refused");
  });

  test("a success resets the consecutive failure count", () => {
    const { breaker, fail } = setup();
    fail(4);
    breaker.acquire().succeed();
    fail(4);
    expect(breaker.state).toBe("closed");
    fail(1);
    expect(breaker.state).toBe("open");
  });

  test("fails fast while open with a CIRCUIT_OPEN error saying when it retries", async () => {
    const { breaker, fail, time } = setup();
    fail(5, "spawn ENOENT");
    await time.advance(12_000);
    const err = rejection(breaker);
    expect(err.code).toBe("CIRCUIT_OPEN");
    expect(err.backend).toBe("github");
    expect(err.retryAfterMs).toBe(18_000);
    expect(err.retryAt).toBe(time.now + 18_000);
    expect(err.message).toContain('backend "github"');
    expect(err.message).toContain("next attempt in 18s");
    expect(err.message).toContain(new Date(err.retryAt).toISOString());
    expect(err.message).toContain("spawn ENOENT");
    expect(() => breaker.check()).toThrow(CircuitOpenError);
  });

  test("half-opens after resetTimeout, not before", async () => {
    const { breaker, fail, time, transitions } = setup({ resetTimeout: 30_000 });
    fail(5);
    await time.advance(29_999);
    expect(breaker.state).toBe("open");
    await time.advance(1);
    expect(breaker.state).toBe("half-open");
    expect(transitions.map((t) => t.to)).toEqual(["open", "half-open"]);
  });

  test("half-open admits only halfOpenMaxCalls probes at once", async () => {
    const { breaker, fail, time } = setup({ halfOpenMaxCalls: 2 });
    fail(5);
    await time.advance(30_000);
    const a = breaker.acquire();
    breaker.acquire();
    const err = rejection(breaker);
    expect(err.message).toContain("half-open");
    expect(err.retryAfterMs).toBe(0);
    a.abandon();
    expect(() => breaker.acquire()).not.toThrow();
  });

  test("closes after successThreshold probe successes", async () => {
    const { breaker, fail, time, transitions } = setup({ successThreshold: 3 });
    fail(5);
    await time.advance(30_000);
    breaker.acquire().succeed();
    breaker.acquire().succeed();
    expect(breaker.state).toBe("half-open");
    breaker.acquire().succeed();
    expect(breaker.state).toBe("closed");
    expect(transitions.map((t) => t.to)).toEqual(["open", "half-open", "closed"]);
    // Closed again means a fresh count: four failures do not reopen it.
    fail(4);
    expect(breaker.state).toBe("closed");
  });

  test("any failure in half-open reopens for another resetTimeout", async () => {
    const { breaker, fail, time } = setup();
    fail(5);
    await time.advance(30_000);
    breaker.acquire().succeed();
    breaker.acquire().fail(new Error("still down"));
    expect(breaker.state).toBe("open");
    const err = rejection(breaker);
    expect(err.retryAfterMs).toBe(30_000);
    expect(err.message).toContain("still down");
  });

  test("ignores results of calls admitted before the last transition", async () => {
    const { breaker, fail, time } = setup({ successThreshold: 1 });
    const early = breaker.acquire();
    fail(5);
    await time.advance(30_000);
    expect(breaker.state).toBe("half-open");
    // A success from a call admitted while closed says nothing about the recovered backend.
    early.succeed();
    expect(breaker.state).toBe("half-open");
  });

  test("settling a permit twice counts once", () => {
    const { breaker, fail } = setup();
    fail(3);
    const permit = breaker.acquire();
    permit.fail(new Error("x"));
    permit.fail(new Error("x"));
    expect(breaker.snapshot().consecutiveFailures).toBe(4);
  });

  test("abandoned calls neither fail nor succeed", () => {
    const { breaker, fail } = setup();
    fail(4);
    breaker.acquire().abandon();
    fail(1);
    expect(breaker.state).toBe("open");
  });

  test("snapshot shows failures, retry time and last failure", () => {
    const { breaker, fail, time } = setup();
    fail(5, "exit code 1");
    expect(breaker.snapshot()).toEqual({
      state: "open",
      consecutiveFailures: 5,
      retryAt: time.now + 30_000,
      lastFailure: "exit code 1",
    });
  });

  test("reset closes an open circuit", () => {
    const { breaker, fail, transitions } = setup();
    fail(5);
    breaker.reset("config reloaded");
    expect(breaker.state).toBe("closed");
    expect(transitions.at(-1)).toMatchObject({ from: "open", to: "closed", reason: "config reloaded" });
    expect(breaker.snapshot().consecutiveFailures).toBe(0);
  });

  test("long failure messages are shortened", () => {
    const { breaker, fail } = setup();
    fail(5, "x".repeat(1000));
    expect(breaker.snapshot().lastFailure?.length).toBe(200);
  });

  test.each([
    [{ failureThreshold: 0 }, "failureThreshold"],
    [{ failureThreshold: 1.5 }, "failureThreshold"],
    [{ successThreshold: -1 }, "successThreshold"],
    [{ resetTimeout: -5 }, "resetTimeout"],
    [{ resetTimeout: Number.NaN }, "resetTimeout"],
    [{ halfOpenMaxCalls: 0 }, "halfOpenMaxCalls"],
  ])("rejects invalid options %o", (options, field) => {
    expect(() => new CircuitBreaker("x", options)).toThrow(RangeError);
    expect(() => new CircuitBreaker("x", options)).toThrow(field);
  });
});

describe("CircuitBreaker failure sources", () => {
  test("failures from one source count as one, whatever their number", () => {
    const { breaker } = setup();
    const crash = { key: {} };
    const permits = Array.from({ length: 10 }, () => breaker.acquire());
    for (const permit of permits) permit.fail(new Error("Connection closed"), crash);
    expect(breaker.state).toBe("closed");
    expect(breaker.snapshot().consecutiveFailures).toBe(1);
  });

  test("failures from different sources, or with none, each count", () => {
    const { breaker } = setup();
    for (let i = 0; i < 3; i++) breaker.acquire().fail(new Error("crash"), { key: {} });
    breaker.acquire().fail(new Error("timeout"));
    breaker.acquire().fail(new Error("timeout"));
    expect(breaker.state).toBe("open");
  });

  test("a source seen again after a success counts again", () => {
    const { breaker } = setup({ failureThreshold: 2 });
    const source = { key: {} };
    breaker.acquire().fail(new Error("crash"), source);
    breaker.acquire().succeed();
    breaker.acquire().fail(new Error("crash"), source);
    expect(breaker.snapshot().consecutiveFailures).toBe(1);
  });

  test("an open circuit half-opens as soon as its last failure's source recovers", async () => {
    const { breaker, time, transitions } = setup({ failureThreshold: 1, resetTimeout: 30_000 });
    const recovered = Promise.withResolvers<void>();
    breaker.acquire().fail(new Error("Connection closed"), { key: {}, recovered: recovered.promise });
    expect(breaker.state).toBe("open");
    await time.advance(500);
    expect(breaker.state).toBe("open");
    recovered.resolve();
    await settle();
    // No wait for resetTimeout: the backend restarted, so a probe may go through now.
    expect(breaker.state).toBe("half-open");
    expect(transitions.at(-1)).toMatchObject({ from: "open", to: "half-open", reason: "backend restarted" });
    expect(() => breaker.acquire()).not.toThrow();
  });

  test("a recovery that comes after the circuit moved on changes nothing", async () => {
    const { breaker } = setup({ failureThreshold: 1 });
    const recovered = Promise.withResolvers<void>();
    breaker.acquire().fail(new Error("crash"), { key: {}, recovered: recovered.promise });
    breaker.reset();
    recovered.resolve();
    await settle();
    expect(breaker.state).toBe("closed");
  });

  test("halfOpen lets probes through at once, and does nothing unless open", () => {
    const { breaker, fail } = setup({ failureThreshold: 1 });
    breaker.halfOpen();
    expect(breaker.state).toBe("closed");
    fail(1);
    breaker.halfOpen("manual restart");
    expect(breaker.state).toBe("half-open");
  });
});
