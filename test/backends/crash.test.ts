import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { ConnectionLostError } from "../../src/backends/connection-failure.ts";
import { createBackend } from "../../src/backends/create.ts";
import type { McpBackend } from "../../src/backends/mcp-backend.ts";
import { parseConfig } from "../../src/config/load.ts";
import { defaultFailsafeConfig, type FailsafeConfig } from "../../src/failsafe/config.ts";
import { FailsafePolicy } from "../../src/failsafe/policy.ts";
import { log } from "../../src/log.ts";
import { BUN, ROOT } from "../helpers/paths.ts";
import { waitFor } from "../helpers/process.ts";

const FIXTURE = join(ROOT, "test/fixtures/paginating-server.ts");
const IN_FLIGHT = 8;

function fixture(
  command = `"${BUN}" "${FIXTURE}" --count 20`,
  timers?: Parameters<typeof createBackend>[2]["timers"],
) {
  const { config } = parseConfig(`backends:\n  fixture:\n    command: '${command}'\n`, { file: "t.yaml" });
  return createBackend("fixture", config.backends.fixture!, {
    defaultTimeoutMs: 10_000,
    log,
    ...(timers ? { timers } : {}),
  });
}

function policy(patch: Partial<FailsafeConfig["circuit_breaker"]> = {}): FailsafePolicy {
  const base = defaultFailsafeConfig();
  return new FailsafePolicy("fixture", { ...base, circuit_breaker: { ...base.circuit_breaker, ...patch } });
}

async function callCount(backend: McpBackend, name: string): Promise<number> {
  const result = await backend.callTool("get_call_count", { name });
  return (result.structuredContent as { count: number }).count;
}

let backends: McpBackend[] = [];
afterEach(async () => {
  await Promise.all(backends.map((b) => b.stop()));
  backends = [];
});

describe("kill -9 with calls in flight", () => {
  test("the calls in flight are one breaker failure, and the next call succeeds after the restart", async () => {
    const backend = fixture();
    backends.push(backend);
    const failsafe = policy();
    await backend.start();
    const calls = Array.from({ length: IN_FLIGHT }, () =>
      failsafe
        .run((signal) => backend.callTool("hang_write", {}, { signal }), { retrySafe: false })
        .catch((err: unknown) => err),
    );
    await waitFor("every call reached the backend", async () =>
      (await callCount(backend, "hang_write")) === IN_FLIGHT ? true : undefined,
    );
    const killedAt = Date.now();
    process.kill(-(backend.snapshot().pid as number), "SIGKILL");
    const errors = await Promise.all(calls);
    for (const error of errors) {
      expect(error).toBeInstanceOf(ConnectionLostError);
      expect((error as Error).message).toContain('connection lost during tool "hang_write"');
      expect((error as Error).message).toContain("killed by SIGKILL");
    }
    expect(failsafe.snapshot().circuit).toMatchObject({ state: "closed", consecutiveFailures: 1 });

    const next = await failsafe.run(() => backend.callTool("count_calls", {}), { retrySafe: false });
    expect(JSON.stringify(next)).toContain("call #1");
    expect(Date.now() - killedAt).toBeLessThan(5000);
    expect(failsafe.snapshot().circuit).toMatchObject({ state: "closed", consecutiveFailures: 0 });
    expect(backend.snapshot()).toMatchObject({ status: "running", restarts: 1 });
  });

  test("a circuit the crash opened half-opens as soon as the background restart succeeds", async () => {
    const scheduled: (() => void)[] = [];
    const timers = {
      setTimeout: ((run: () => void) => {
        scheduled.push(run);
        return scheduled.length as unknown as ReturnType<typeof setTimeout>;
      }) as unknown as typeof setTimeout,
      clearTimeout: (() => undefined) as typeof clearTimeout,
    };
    const backend = fixture(undefined, timers);
    backends.push(backend);
    const failsafe = policy({ failure_threshold: 1, reset_timeout: 600_000 });
    await backend.start();
    const call = failsafe
      .run((signal) => backend.callTool("hang_write", {}, { signal }), { retrySafe: false })
      .catch((err: unknown) => err);
    await waitFor("the call reached the backend", async () =>
      (await callCount(backend, "hang_write")) === 1 ? true : undefined,
    );
    process.kill(-(backend.snapshot().pid as number), "SIGKILL");
    expect(await call).toBeInstanceOf(ConnectionLostError);
    expect(failsafe.circuitState).toBe("open");

    await waitFor("restart scheduled", () => (scheduled.length === 1 ? true : undefined));
    scheduled[0]?.();
    await waitFor("half-open after the restart", () =>
      failsafe.circuitState === "half-open" ? true : undefined,
    );
    const probe = await failsafe.run(() => backend.callTool("count_calls", {}), { retrySafe: false });
    expect(JSON.stringify(probe)).toContain("call #1");
  });
});

describe("a backend that hangs at start", () => {
  const HUNG = `"${BUN}" -e "setInterval(() => {}, 1 << 30)"`;

  test("a call that is not safe to repeat costs one start timeout, not one per attempt", async () => {
    const { config } = parseConfig(`backends:\n  hung:\n    command: '${HUNG}'\n    timeout: 500ms\n`, {
      file: "t.yaml",
    });
    const backend = createBackend("hung", config.backends.hung!, { defaultTimeoutMs: 500, log });
    backends.push(backend);
    const failsafe = policy();
    let attempts = 0;
    const started = Date.now();
    const error = await failsafe
      .run(
        () => {
          attempts++;
          return backend.callTool("anything", {});
        },
        { retrySafe: false },
      )
      .catch((err: unknown) => err);
    expect((error as { code?: string }).code).toBe("BACKEND_UNAVAILABLE");
    expect(attempts).toBe(1);
    // One start timeout and a kill; three attempts would take three.
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
