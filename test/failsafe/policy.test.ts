import { describe, expect, test } from "bun:test";
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import {
  BackendUnavailableError,
  ConnectionEpochs,
  ConnectionLostError,
} from "../../src/backends/connection-failure.ts";
import { GatewayError } from "../../src/errors.ts";
import { defaultFailsafeConfig, type FailsafeConfig } from "../../src/failsafe/config.ts";
import { CircuitOpenError } from "../../src/failsafe/errors.ts";
import { type FailsafeEvent, FailsafePolicy } from "../../src/failsafe/policy.ts";
import { FakeTime, settle } from "./fake-time.ts";

type Patch = { [K in keyof FailsafeConfig]?: Partial<FailsafeConfig[K]> };

function setup(patch: Patch = {}) {
  const base = defaultFailsafeConfig();
  const config: FailsafeConfig = {
    circuit_breaker: { ...base.circuit_breaker, ...patch.circuit_breaker },
    retry: { ...base.retry, ...patch.retry },
    rate_limit: { ...base.rate_limit, ...patch.rate_limit },
    concurrency: { ...base.concurrency, ...patch.concurrency },
  };
  const time = new FakeTime();
  const events: FailsafeEvent[] = [];
  const policy = new FailsafePolicy("everything", config, {
    now: time.clock,
    sleep: time.instantSleep,
    random: () => 0.5,
    onEvent: (e) => events.push(e),
  });
  return { policy, time, events };
}

/** A fake backend call that throws the queued errors in order, then answers. */
function backend(...errors: unknown[]) {
  let calls = 0;
  const call = async (): Promise<Record<string, unknown>> => {
    const error = errors[calls++];
    if (error !== undefined) throw error;
    return { content: [{ type: "text", text: "ok" }] };
  };
  return {
    call,
    get calls() {
      return calls;
    },
  };
}

const unavailable = () => new GatewayError("BACKEND_UNAVAILABLE", 'backend "everything": spawn failed');
const timeout = () =>
  new GatewayError("TIMEOUT", 'backend "everything": tool "x" did not answer within 30000ms');

describe("FailsafePolicy retries", () => {
  test("retries a failure that never reached the backend even for an unsafe tool", async () => {
    const { policy, events } = setup();
    const b = backend(unavailable(), unavailable());
    await expect(policy.run(b.call, { retrySafe: false })).resolves.toHaveProperty("content");
    expect(b.calls).toBe(3);
    expect(events.filter((e) => e.type === "retry").map((e) => (e.type === "retry" ? e.kind : ""))).toEqual([
      "not-reached",
      "not-reached",
    ]);
  });

  test("never runs a non-idempotent tool twice after a timeout", async () => {
    const { policy } = setup();
    const b = backend(timeout());
    await expect(policy.run(b.call, { retrySafe: false })).rejects.toMatchObject({ code: "TIMEOUT" });
    expect(b.calls).toBe(1);
  });

  test("never runs a non-idempotent tool twice after the connection dropped mid-call", async () => {
    const { policy } = setup();
    const b = backend(new McpError(ErrorCode.ConnectionClosed, "Connection closed"));
    await expect(policy.run(b.call, { retrySafe: false })).rejects.toThrow("Connection closed");
    expect(b.calls).toBe(1);
  });

  test("retries a timeout of a read-only or idempotent tool", async () => {
    const { policy, time } = setup();
    const b = backend(timeout());
    await policy.run(b.call, { retrySafe: true });
    expect(b.calls).toBe(2);
    expect(time.sleeps).toEqual([50]);
  });

  test("does not retry a JSON-RPC error the backend answered", async () => {
    const { policy } = setup();
    const b = backend(new McpError(ErrorCode.InvalidParams, "bad arguments"));
    await expect(policy.run(b.call, { retrySafe: true })).rejects.toThrow("bad arguments");
    expect(b.calls).toBe(1);
  });

  test("stops after max_attempts", async () => {
    const { policy } = setup({ retry: { max_attempts: 2 } });
    const b = backend(unavailable(), unavailable(), unavailable());
    await expect(policy.run(b.call, { retrySafe: true })).rejects.toMatchObject({
      code: "BACKEND_UNAVAILABLE",
    });
    expect(b.calls).toBe(2);
  });

  test("retry disabled means one attempt", async () => {
    const { policy } = setup({ retry: { enabled: false } });
    const b = backend(unavailable());
    await expect(policy.run(b.call, { retrySafe: true })).rejects.toThrow("spawn failed");
    expect(b.calls).toBe(1);
  });

  test("passes the caller's signal and the attempt number to the call", async () => {
    const { policy } = setup();
    const controller = new AbortController();
    const seen: [AbortSignal | undefined, number][] = [];
    await policy.run(
      async (signal, attempt) => {
        seen.push([signal, attempt]);
        if (attempt === 1) throw unavailable();
        return "ok";
      },
      { retrySafe: false, signal: controller.signal },
    );
    expect(seen).toEqual([
      [controller.signal, 1],
      [controller.signal, 2],
    ]);
  });

  test("a call cancelled by the caller is not retried and not counted as a failure", async () => {
    const { policy } = setup({ circuit_breaker: { failure_threshold: 1 } });
    const controller = new AbortController();
    let calls = 0;
    const run = policy.run(
      async () => {
        calls++;
        controller.abort(new Error("client cancelled"));
        throw new McpError(ErrorCode.ConnectionClosed, "Request was cancelled");
      },
      { retrySafe: true, signal: controller.signal },
    );
    await expect(run).rejects.toThrow();
    expect(calls).toBe(1);
    expect(policy.circuitState).toBe("closed");
  });
});

describe("FailsafePolicy circuit breaker", () => {
  test("an isError result is a valid answer, not a failure", async () => {
    const { policy } = setup({ circuit_breaker: { failure_threshold: 2 } });
    for (let i = 0; i < 5; i++) {
      const result = await policy.run(async () => ({ isError: true, content: [] }), { retrySafe: false });
      expect(result.isError).toBe(true);
    }
    expect(policy.circuitState).toBe("closed");
  });

  test("a backend that cannot start trips the breaker; later calls fail fast without calling it", async () => {
    const { policy, events, time } = setup({ retry: { enabled: false } });
    const b = backend(...Array.from({ length: 10 }, unavailable));
    for (let i = 0; i < 5; i++) await policy.run(b.call, { retrySafe: false }).catch(() => undefined);
    expect(policy.circuitState).toBe("open");
    const err = await policy.run(b.call, { retrySafe: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CircuitOpenError);
    expect((err as CircuitOpenError).retryAt).toBe(time.now + 30_000);
    expect(b.calls).toBe(5);
    expect(events).toContainEqual(expect.objectContaining({ type: "circuit", from: "closed", to: "open" }));
    expect(events).toContainEqual(expect.objectContaining({ type: "rejected", reason: "circuit_open" }));
  });

  test("each failed attempt counts, so retries open the circuit sooner", async () => {
    const { policy } = setup({ circuit_breaker: { failure_threshold: 3 } });
    const b = backend(unavailable(), unavailable(), unavailable(), unavailable());
    await policy.run(b.call, { retrySafe: false }).catch(() => undefined);
    expect(b.calls).toBe(3);
    expect(policy.circuitState).toBe("open");
  });

  test("stops retrying once the circuit opens, rethrowing the backend's error", async () => {
    const { policy, time } = setup({ circuit_breaker: { failure_threshold: 2 }, retry: { max_attempts: 5 } });
    const b = backend(unavailable(), unavailable(), unavailable());
    const err = await policy.run(b.call, { retrySafe: true }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "BACKEND_UNAVAILABLE" });
    expect(b.calls).toBe(2);
    expect(time.sleeps).toHaveLength(1);
  });

  test("recovers: half-open probes succeed and the circuit closes", async () => {
    const { policy, time, events } = setup({ retry: { enabled: false } });
    const failing = backend(...Array.from({ length: 5 }, unavailable));
    for (let i = 0; i < 5; i++) await policy.run(failing.call, { retrySafe: false }).catch(() => undefined);
    await time.advance(30_000);
    const fixed = backend();
    for (let i = 0; i < 3; i++) await policy.run(fixed.call, { retrySafe: false });
    expect(policy.circuitState).toBe("closed");
    expect(events.filter((e) => e.type === "circuit").map((e) => (e.type === "circuit" ? e.to : ""))).toEqual(
      ["open", "half-open", "closed"],
    );
  });

  test("answered protocol errors keep the circuit closed", async () => {
    const { policy } = setup({ circuit_breaker: { failure_threshold: 1 } });
    const b = backend(new McpError(ErrorCode.MethodNotFound, "no such tool"));
    await policy.run(b.call, { retrySafe: false }).catch(() => undefined);
    expect(policy.circuitState).toBe("closed");
  });

  test("breaker disabled: failures never fail fast", async () => {
    const { policy } = setup({ circuit_breaker: { enabled: false }, retry: { enabled: false } });
    const b = backend(...Array.from({ length: 20 }, unavailable));
    for (let i = 0; i < 20; i++) await policy.run(b.call, { retrySafe: false }).catch(() => undefined);
    expect(b.calls).toBe(20);
    expect(policy.circuitState).toBeUndefined();
    expect(policy.snapshot().circuit).toBeUndefined();
  });

  test("reset closes the circuit", async () => {
    const { policy } = setup({ circuit_breaker: { failure_threshold: 1 }, retry: { enabled: false } });
    await policy.run(backend(unavailable()).call, { retrySafe: false }).catch(() => undefined);
    expect(policy.circuitState).toBe("open");
    policy.reset("backend restarted");
    expect(policy.circuitState).toBe("closed");
  });
});

describe("FailsafePolicy limits", () => {
  test("rate limit rejections are RATE_LIMITED, never reach the backend, and are reported", async () => {
    const { policy, events } = setup({ rate_limit: { requests_per_second: 1, burst: 2 } });
    const b = backend();
    await policy.run(b.call, { retrySafe: true });
    await policy.run(b.call, { retrySafe: true });
    const err = await policy.run(b.call, { retrySafe: true }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "RATE_LIMITED", retryAfterMs: 1000 });
    expect(b.calls).toBe(2);
    expect(events).toContainEqual(expect.objectContaining({ type: "rejected", reason: "rate_limited" }));
  });

  test("an open circuit refuses before taking a rate-limit token", async () => {
    const { policy } = setup({
      circuit_breaker: { failure_threshold: 1 },
      retry: { enabled: false },
      rate_limit: { requests_per_second: 1, burst: 2 },
    });
    await policy.run(backend(unavailable()).call, { retrySafe: false }).catch(() => undefined);
    for (let i = 0; i < 5; i++) {
      await expect(policy.run(backend().call, { retrySafe: false })).rejects.toMatchObject({
        code: "CIRCUIT_OPEN",
      });
    }
    policy.reset();
    await expect(policy.run(backend().call, { retrySafe: false })).resolves.toBeDefined();
  });

  test("concurrency: a call over the limit waits, then is rejected when none finishes in time", async () => {
    const time = new FakeTime();
    const base = defaultFailsafeConfig();
    const events: FailsafeEvent[] = [];
    const policy = new FailsafePolicy(
      "slow",
      { ...base, concurrency: { enabled: true, max_concurrent: 1, queue_timeout: 1_000 } },
      { now: time.clock, sleep: time.sleep, onEvent: (e) => events.push(e) },
    );
    let finish: (value: string) => void = () => undefined;
    const first = policy.run(() => new Promise<string>((resolve) => (finish = resolve)), {
      retrySafe: false,
    });
    const second = policy.run(async () => "second", { retrySafe: false }).catch((e: unknown) => e);
    await settle();
    expect(policy.snapshot()).toMatchObject({ inFlight: 1, queued: 1 });
    await time.advance(1_000);
    expect(await second).toMatchObject({ code: "CONCURRENCY_LIMITED" });
    expect(events).toContainEqual(
      expect.objectContaining({ type: "rejected", reason: "concurrency_limited" }),
    );
    finish("first");
    expect(await first).toBe("first");
    expect(policy.snapshot()).toMatchObject({ inFlight: 0, queued: 0 });
  });

  test("the concurrency slot is released after every outcome", async () => {
    const { policy } = setup({ concurrency: { max_concurrent: 1 } });
    await policy
      .run(backend(unavailable(), unavailable(), unavailable()).call, { retrySafe: true })
      .catch(() => undefined);
    await policy.run(backend().call, { retrySafe: true });
    expect(policy.snapshot().inFlight).toBe(0);
  });

  test("an aborted signal runs nothing", async () => {
    const { policy } = setup();
    const b = backend();
    await expect(policy.run(b.call, { retrySafe: true, signal: AbortSignal.abort() })).rejects.toThrow();
    expect(b.calls).toBe(0);
  });

  test("a custom classifier decides what was reached", async () => {
    const base = defaultFailsafeConfig();
    const policy = new FailsafePolicy("x", base, {
      sleep: async () => undefined,
      classify: () => "not-reached",
    });
    const b = backend(new Error("custom transport said: never sent"));
    await policy.run(b.call, { retrySafe: false });
    expect(b.calls).toBe(2);
  });

  test("invalid settings throw from the constructor", () => {
    const base = defaultFailsafeConfig();
    expect(
      () => new FailsafePolicy("x", { ...base, rate_limit: { enabled: true, requests_per_second: 0 } }),
    ).toThrow(RangeError);
    // A disabled section is not validated: it is never built.
    expect(
      () => new FailsafePolicy("x", { ...base, rate_limit: { enabled: false, requests_per_second: 0 } }),
    ).not.toThrow();
  });
});

describe("FailsafePolicy and lost connections", () => {
  test("calls that fail together from one lost connection are one breaker failure", async () => {
    const { policy } = setup({ retry: { enabled: false } });
    const epochs = new ConnectionEpochs();
    const lost = epochs.current;
    const settled = await Promise.allSettled(
      Array.from({ length: 10 }, () =>
        policy.run(() => Promise.reject(new ConnectionLostError("connection lost", lost)), {
          retrySafe: false,
        }),
      ),
    );
    expect(settled.every((r) => r.status === "rejected" && r.reason instanceof ConnectionLostError)).toBe(
      true,
    );
    expect(policy.circuitState).toBe("closed");
    expect(policy.snapshot().circuit?.consecutiveFailures).toBe(1);
  });

  test("callers sharing one failed start count it once", async () => {
    const { policy } = setup({ retry: { enabled: false } });
    const failedStart = new BackendUnavailableError("did not start", new ConnectionEpochs().current);
    for (let i = 0; i < 6; i++) {
      await expect(policy.run(() => Promise.reject(failedStart), { retrySafe: false })).rejects.toBe(
        failedStart,
      );
    }
    expect(policy.circuitState).toBe("closed");
  });

  test("a restart half-opens the circuit the crashes opened, without waiting for reset_timeout", async () => {
    const { policy, events } = setup({
      retry: { enabled: false },
      circuit_breaker: { failure_threshold: 2 },
    });
    const epochs = new ConnectionEpochs();
    for (let crash = 0; crash < 2; crash++) {
      epochs.begin();
      epochs.up();
      const lost = new ConnectionLostError("connection lost", epochs.current);
      await expect(policy.run(() => Promise.reject(lost), { retrySafe: false })).rejects.toBe(lost);
    }
    expect(policy.circuitState).toBe("open");
    epochs.begin();
    epochs.up();
    await settle();
    expect(policy.circuitState).toBe("half-open");
    expect(
      events.some((e) => e.type === "circuit" && e.to === "half-open" && e.reason === "backend restarted"),
    ).toBe(true);
  });
});

describe("FailsafePolicy timeouts and deadlines", () => {
  const hungStart = () =>
    new GatewayError("BACKEND_UNAVAILABLE", 'backend "everything": did not answer initialize', {
      cause: new McpError(ErrorCode.RequestTimeout, "Request timed out"),
    });

  test("a start that timed out is not repeated for a call that is not safe to repeat", async () => {
    const { policy } = setup();
    const b = backend(hungStart(), hungStart());
    await expect(policy.run(b.call, { retrySafe: false })).rejects.toMatchObject({
      code: "BACKEND_UNAVAILABLE",
    });
    expect(b.calls).toBe(1);
  });

  test("a start that failed fast is still retried", async () => {
    const { policy } = setup();
    const b = backend(unavailable());
    await policy.run(b.call, { retrySafe: false });
    expect(b.calls).toBe(2);
  });

  test("a read-only call is retried after a timeout only while the caller's deadline allows", async () => {
    const { policy, time } = setup({ retry: { max_attempts: 3 } });
    let calls = 0;
    const slowTimeout = async (): Promise<never> => {
      calls++;
      time.now += 1000;
      throw timeout();
    };
    await expect(
      policy.run(slowTimeout, { retrySafe: true, deadline: time.now + 2500 }),
    ).rejects.toMatchObject({
      code: "TIMEOUT",
    });
    // Two attempts fit in 2.5 s; a third (another 1 s) would not.
    expect(calls).toBe(2);
  });
});
