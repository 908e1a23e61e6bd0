import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { z } from "zod";
import { createBackend } from "../../src/backends/create.ts";
import { BackendPool } from "../../src/backends/pool.ts";
import { parseConfig } from "../../src/config/load.ts";
import { log } from "../../src/log.ts";
import { connectHttp, startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { InProcessGateway } from "../helpers/in-process.ts";
import { serverCommand } from "../helpers/paths.ts";
import { isAlive, waitFor } from "../helpers/process.ts";

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway(
    `backends:\n  everything:\n    command: '${serverCommand("everything", "stdio")}'\n`,
  );
});
afterAll(async () => {
  await gw?.stop();
});

describe("a backend that dies", () => {
  test("is reported with its error, then restarted by the next call", async () => {
    const backend = gw.core.pool.get("everything");
    const pid = backend?.snapshot().pid as number;
    expect(pid).toBeGreaterThan(0);
    process.kill(-pid, "SIGKILL");
    await waitFor("backend marked failed", () => (backend?.snapshot().status === "error" ? true : undefined));
    expect(backend?.snapshot().lastError).toContain("exit code");
    expect(isAlive(pid)).toBe(false);

    const client = await connectHttp(gw.mcpUrl);
    const result = await client.request(
      {
        method: "tools/call",
        params: {
          name: "gateway_invoke",
          arguments: { server: "everything", tool: "echo", arguments: { message: "back" } },
        },
      },
      z.looseObject({}),
    );
    expect(JSON.stringify(result)).toContain("back");
    const after = backend?.snapshot();
    expect(after?.status).toBe("running");
    expect(after?.restarts).toBe(1);
    expect(after?.pid).not.toBe(pid);
    const health = (await (await fetch(new URL("/health", gw.http.url))).json()) as {
      backends: Record<string, { restarts: number }>;
    };
    expect(health.backends.everything?.restarts).toBe(1);
    await client.close();
  });
});

describe("tool list caching", () => {
  test("re-reads a stale tool list after cache_ttl, using an injected clock", async () => {
    let now = 1_000_000;
    const { config } = parseConfig(
      `meta_mcp: { cache_ttl: 1m }\nbackends:\n  e:\n    command: '${serverCommand("everything", "stdio")}'\n`,
      { file: "t.yaml" },
    );
    const backend = createBackend("e", config.backends.e!, { defaultTimeoutMs: 20_000, log, now: () => now });
    const gateway = new InProcessGateway(config, { pool: new BackendPool([backend]), now: () => now });
    gateway.start();
    await gateway.ready;
    try {
      const first = backend.toolsListedAt;
      expect(first).toBe(now);
      now += 30_000;
      await gateway.core.freshenTools();
      expect(backend.toolsListedAt).toBe(first);
      now += 31_000;
      await gateway.core.freshenTools();
      await waitFor("refresh", () => (backend.toolsListedAt === now ? true : undefined));
      expect(backend.tools.length).toBeGreaterThan(0);
    } finally {
      await gateway.stop();
    }
  });
});
