import { afterEach, describe, expect, test } from "bun:test";
import { symlinkSync } from "node:fs";
import { join } from "node:path";
import { parseConfig } from "../../src/config/load.ts";
import { connectHttp, startTestGateway, type TestGateway, tempDir } from "../helpers/gateway.ts";
import { InProcessGateway, metaCall } from "../helpers/in-process.ts";
import { BUN, ROOT } from "../helpers/paths.ts";

const FIXTURE = join(ROOT, "test/fixtures/paginating-server.ts");
type Json = Record<string, unknown>;

function fixtureConfig(extra = "", backendExtra = ""): string {
  return `capabilities: { enabled: false }
lifecycle: { lazy: false, cache_dir: "${tempDir()}" }
${extra}
backends:
  fixture:
    command: '"${BUN}" "${FIXTURE}" --count 40'
${backendExtra}`;
}

async function counts(
  gateway: Parameters<typeof metaCall>[0],
): Promise<{ counts: Record<string, number>; cancelled: Record<string, number> }> {
  const result = await metaCall(gateway, "gateway_invoke", { server: "fixture", tool: "get_call_count" });
  return result.structuredContent as { counts: Record<string, number>; cancelled: Record<string, number> };
}

function text(result: Json): string {
  return JSON.stringify(result.content);
}

let running: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(running.map((g) => g.stop()));
  running = [];
});

async function start(yaml: string, now?: () => number): Promise<InProcessGateway> {
  const { config } = parseConfig(yaml, { file: "t.yaml" });
  const gateway = new InProcessGateway(config, now ? { now } : {});
  gateway.start({ tickMs: 0 });
  await gateway.ready;
  running.push(gateway);
  return gateway;
}

describe("timeouts and retries", () => {
  test("a hung tool hits its timeout, and a read-only one is retried", async () => {
    const gateway = await start(
      fixtureConfig(
        "failsafe: { retry: { max_attempts: 2, initial_backoff: 10ms, max_backoff: 20ms } }",
        "    timeout: 300ms\n",
      ),
    );
    const started = Date.now();
    const result = await metaCall(gateway, "gateway_invoke", { server: "fixture", tool: "hang" });
    expect(result.isError).toBe(true);
    expect(text(result)).toContain("did not answer or report progress within 300ms");
    expect(Date.now() - started).toBeLessThan(5000);
    // hang is read-only: the timed-out call may run again.
    expect((await counts(gateway)).counts.hang).toBe(2);
  });

  test("a read-only hung tool is retried only within its max_timeout: one timeout, not one per attempt", async () => {
    const gateway = await start(
      fixtureConfig(
        "failsafe: { retry: { max_attempts: 3, initial_backoff: 10ms, max_backoff: 20ms } }",
        "    timeout: 300ms\n    max_timeout: 400ms\n",
      ),
    );
    const result = await metaCall(gateway, "gateway_invoke", { server: "fixture", tool: "hang" });
    expect(result.isError).toBe(true);
    // A second attempt would end after 600 ms, past the 400 ms cap: it is never started.
    expect((await counts(gateway)).counts.hang).toBe(1);
  });

  test("a timed-out call of a non-idempotent tool is never run twice", async () => {
    const gateway = await start(
      fixtureConfig(
        "failsafe: { retry: { max_attempts: 3, initial_backoff: 10ms, max_backoff: 20ms } }",
        "    timeout: 300ms\n",
      ),
    );
    const result = await metaCall(gateway, "gateway_invoke", { server: "fixture", tool: "hang_write" });
    expect(result.isError).toBe(true);
    const { counts: calls, cancelled } = await counts(gateway);
    expect(calls.hang_write).toBe(1);
    // The timed-out request was cancelled at the backend, not left running.
    expect(cancelled.hang_write).toBe(1);
  });

  test("an error the backend answered is not retried, even for an idempotent tool", async () => {
    const gateway = await start(fixtureConfig());
    const result = await metaCall(gateway, "gateway_invoke", {
      server: "fixture",
      tool: "idempotent_tool",
      arguments: { fail_first: 1 },
    });
    expect(result.isError).toBe(true);
    expect((await counts(gateway)).counts.idempotent_tool).toBe(1);
  });

  test("max_timeout caps a call that keeps reporting progress", async () => {
    // The idle timeout also bounds the backend's start: 1 s leaves room on a loaded machine, and progress
    // every 50 ms keeps resetting it, so only max_timeout can end the call.
    const gateway = await start(fixtureConfig("", "    timeout: 1s\n    max_timeout: 1500ms\n"));
    const result = await metaCall(gateway, "gateway_invoke", {
      server: "fixture",
      tool: "slow",
      arguments: { ms: 10000, interval_ms: 50 },
    });
    expect(text(result)).toContain("max_timeout 1500ms");
  });
});

describe("limits", () => {
  test("the rate limit rejects with a clear error that says when to retry", async () => {
    const gateway = await start(
      fixtureConfig("failsafe: { rate_limit: { requests_per_second: 1, burst: 1 } }"),
    );
    const first = await metaCall(gateway, "gateway_invoke", { server: "fixture", tool: "count_calls" });
    expect(first.isError).toBeFalsy();
    const second = await metaCall(gateway, "gateway_invoke", { server: "fixture", tool: "count_calls" });
    expect(second.isError).toBe(true);
    expect(text(second)).toMatch(/rate limit/i);
    expect(text(second)).toMatch(/retry|again/i);
  });

  test("the concurrency limit rejects a call that waits too long for a slot", async () => {
    const gateway = await start(
      fixtureConfig(
        "failsafe: { concurrency: { max_concurrent: 1, queue_timeout: 100ms } }",
        "    timeout: 10s\n",
      ),
    );
    const slow = metaCall(gateway, "gateway_invoke", {
      server: "fixture",
      tool: "slow",
      arguments: { ms: 1500 },
    });
    await Bun.sleep(0);
    const second = await metaCall(gateway, "gateway_invoke", { server: "fixture", tool: "count_calls" });
    expect(second.isError).toBe(true);
    expect(text(second)).toMatch(/concurren/i);
    expect((await slow).isError).toBeFalsy();
  });
});

describe("circuit breaker", () => {
  test("a backend that cannot start trips the breaker, fails fast, and recovers when fixed", async () => {
    let now = 1_000_000;
    const dir = tempDir();
    const script = join(dir, "server.ts");
    const gateway = await start(
      `capabilities: { enabled: false }
lifecycle: { lazy: false, cache_dir: "${tempDir()}" }
failsafe: { retry: { enabled: false }, circuit_breaker: { failure_threshold: 3, success_threshold: 2, reset_timeout: 30s } }
backends:
  flaky:
    command: '"${BUN}" "${script}"'
    timeout: 5s
`,
      () => now,
    );
    const call = () => metaCall(gateway, "gateway_invoke", { server: "flaky", tool: "count_calls" });
    for (let i = 0; i < 3; i++) expect(text(await call())).toContain("unavailable");
    expect(gateway.core.policy("flaky").circuitState).toBe("open");
    const started = Date.now();
    const fast = await call();
    expect(Date.now() - started).toBeLessThan(100);
    expect(text(fast)).toMatch(/circuit/i);
    expect(text(fast)).toMatch(/30 ?s|retry/i);

    // Fix it: the missing script now exists (a link to the real fixture server).
    symlinkSync(FIXTURE, script);
    now += 31_000;
    // The half-open probe (start + call) succeeds; enough successes close the breaker again.
    expect(text(await call())).toContain("call #1");
    expect(text(await call())).toContain("call #2");
    expect(gateway.core.policy("flaky").circuitState).toBe("closed");
  });
});

describe("cancellation and pagination", () => {
  let gw: TestGateway | undefined;
  afterEach(async () => {
    await gw?.stop();
    gw = undefined;
  });

  test("a client that cancels mid-call cancels the backend request", async () => {
    gw = await startTestGateway(fixtureConfig());
    const client = await connectHttp(gw.mcpUrl);
    const abort = new AbortController();
    const call = client
      .callTool({ name: "gateway_invoke", arguments: { server: "fixture", tool: "hang" } }, undefined, {
        signal: abort.signal,
      })
      .catch((err: Error) => err);
    await Bun.sleep(200);
    abort.abort("user pressed stop");
    expect(await call).toBeInstanceOf(Error);
    const { waitFor } = await import("../helpers/process.ts");
    await waitFor("backend saw the cancellation", async () =>
      (await counts(gw!.gateway)).cancelled.hang === 1 ? true : undefined,
    );
    await client.close();
  });

  test("a backend that paginates tools/list is read to the end, and the gateway paginates its own list", async () => {
    gw = await startTestGateway(fixtureConfig().replace("--count 40", "--count 250"), {
      kind: "transparent",
    });
    expect(gw.core.pool.get("fixture")?.tools).toHaveLength(250);
    const client = await connectHttp(gw.mcpUrl);
    const names: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await client.listTools(cursor ? { cursor } : {});
      names.push(...page.tools.map((t) => t.name));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(names).toHaveLength(250);
    expect(new Set(names).size).toBe(250);
    const bad = await client
      .listTools({ cursor: "not-a-cursor" })
      .catch((err: Error & { code?: number }) => err);
    expect(String(bad)).toContain("Invalid cursor");
    // Invalid params, from the error table.
    expect((bad as { code?: number }).code).toBe(-32602);
    await client.close();
  });
});

describe("/metrics", () => {
  test("exposes requests, latency, circuit state, sessions and catalog size in Prometheus text", async () => {
    const gw = await startTestGateway(fixtureConfig());
    running.push(gw);
    const client = await connectHttp(gw.mcpUrl);
    await client.callTool({ name: "gateway_invoke", arguments: { server: "fixture", tool: "count_calls" } });
    await client.callTool({
      name: "gateway_invoke",
      arguments: { server: "fixture", tool: "destructive_tool", arguments: { fail_first: 1 } },
    });
    const res = await fetch(new URL("/metrics", gw.http.url));
    expect(res.headers.get("content-type")).toContain("text/plain");
    const body = await res.text();
    const sample = (name: string, labels: string): number | undefined => {
      const line = body
        .split("\n")
        .find((l) => l.startsWith(`${name}{`) && labels.split(",").every((p) => l.includes(p)));
      return line ? Number(line.split(" ").at(-1)) : undefined;
    };
    expect(
      sample("mcp_gateway_requests_total", 'backend="fixture",tool="count_calls",outcome="success"'),
    ).toBe(1);
    expect(sample("mcp_gateway_requests_total", 'tool="destructive_tool",outcome="error"')).toBe(1);
    expect(sample("mcp_gateway_request_duration_seconds_count", 'tool="count_calls"')).toBe(1);
    expect(sample("mcp_gateway_circuit_state", 'backend="fixture",state="closed"')).toBe(1);
    expect(sample("mcp_gateway_catalog_tools", 'backend="fixture"')).toBe(40);
    expect(body).toMatch(/^mcp_gateway_active_sessions 1$/m);
    for (const line of body.split("\n")) {
      if (line === "" || line.startsWith("#")) continue;
      expect(line).toMatch(/^[a-z_:][a-z0-9_:]*(\{[^}]*\})? -?[0-9.e+Inf-]+$/i);
    }
    await client.close();
  });
});

describe("client disconnect", () => {
  test("a client that drops the connection mid-call gets the backend request cancelled", async () => {
    const gw = await startTestGateway(fixtureConfig());
    running.push(gw);
    const headers = { accept: "application/json, text/event-stream", "content-type": "application/json" };
    const init = await fetch(gw.mcpUrl, {
      method: "POST",
      headers,
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: {
          protocolVersion: "2025-11-25",
          capabilities: {},
          clientInfo: { name: "raw", version: "1" },
        },
      }),
    });
    const session = init.headers.get("mcp-session-id") as string;
    await init.text();
    const withSession = { ...headers, "mcp-session-id": session, "mcp-protocol-version": "2025-11-25" };
    await fetch(gw.mcpUrl, {
      method: "POST",
      headers: withSession,
      body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
    });
    const abort = new AbortController();
    const pending = fetch(gw.mcpUrl, {
      method: "POST",
      headers: withSession,
      signal: abort.signal,
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 2,
        method: "tools/call",
        params: { name: "gateway_invoke", arguments: { server: "fixture", tool: "hang" } },
      }),
    })
      .then((r) => r.text())
      .catch((err: Error) => err);
    const { waitFor } = await import("../helpers/process.ts");
    await waitFor("the call reached the backend", async () =>
      (await counts(gw.gateway)).counts.hang === 1 ? true : undefined,
    );
    abort.abort();
    await pending;
    await waitFor("backend saw the cancellation", async () =>
      (await counts(gw.gateway)).cancelled.hang === 1 ? true : undefined,
    );
  });
});

describe("failsafe settings and hot reload", () => {
  test("a reloaded failsafe section applies to backends that did not change", async () => {
    const gateway = await start(
      fixtureConfig("failsafe: { rate_limit: { requests_per_second: 1, burst: 1 } }"),
    );
    await metaCall(gateway, "gateway_invoke", { server: "fixture", tool: "count_calls" });
    const limited = await metaCall(gateway, "gateway_invoke", { server: "fixture", tool: "count_calls" });
    expect(text(limited)).toMatch(/rate limit/i);
    const { config } = parseConfig(fixtureConfig("failsafe: { rate_limit: { enabled: false } }"), {
      file: "t.yaml",
    });
    config.backends.fixture = gateway.core.config.backends.fixture!;
    config.lifecycle = gateway.core.config.lifecycle;
    const report = await gateway.gateway.reload(config);
    expect(report.restarted).toEqual([]);
    const free = await metaCall(gateway, "gateway_invoke", { server: "fixture", tool: "count_calls" });
    expect(free.isError).toBeFalsy();
  });
});
