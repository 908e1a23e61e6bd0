import { describe, expect, test } from "bun:test";
import { z } from "zod";
import { createBackend } from "../../src/backends/create.ts";
import { ManifestStore, manifestKey } from "../../src/backends/manifest.ts";
import { BackendPool } from "../../src/backends/pool.ts";
import { parseConfig } from "../../src/config/load.ts";
import { log } from "../../src/log.ts";
import { tempDir } from "../helpers/gateway.ts";
import { InProcessGateway, metaCall } from "../helpers/in-process.ts";
import { serverCommand } from "../helpers/paths.ts";
import { isAlive, waitFor } from "../helpers/process.ts";

function config(cacheDir: string, extra = ""): ReturnType<typeof parseConfig>["config"] {
  return parseConfig(
    `capabilities: { enabled: false }
lifecycle: { cache_dir: "${cacheDir}" }
backends:
  everything:
    command: '${serverCommand("everything", "stdio")}'
    timeout: 2s
${extra}`,
    { file: "t.yaml" },
  ).config;
}

describe("lazy start with a tool manifest", () => {
  test("a known backend is searchable while asleep and starts on its first call", async () => {
    const cache = tempDir();
    const first = new InProcessGateway(config(cache));
    first.start({ tickMs: 0 });
    await first.ready;
    expect(first.core.pool.get("everything")?.snapshot()).toMatchObject({
      status: "running",
      toolsSource: "live",
    });
    await first.stop();

    const second = new InProcessGateway(config(cache));
    second.start({ tickMs: 0 });
    await second.ready;
    try {
      const backend = second.core.pool.get("everything");
      expect(backend?.snapshot()).toMatchObject({
        status: "sleeping",
        toolsSource: "manifest",
        pid: undefined,
      });
      const search = await metaCall(second, "gateway_search_tools", { query: "add two numbers" });
      expect(JSON.stringify(search.structuredContent)).toContain("get-sum");
      const servers = await metaCall(second, "gateway_list_servers", {});
      expect(JSON.stringify(servers.structuredContent)).toContain('"tools_from":"manifest"');
      expect(backend?.snapshot().status).toBe("sleeping");

      const sum = await metaCall(second, "gateway_invoke", {
        server: "everything",
        tool: "get-sum",
        arguments: { a: 5, b: 6 },
      });
      expect(JSON.stringify(sum.content)).toContain("11");
      expect(backend?.snapshot()).toMatchObject({ status: "running", toolsSource: "live", restarts: 0 });
    } finally {
      await second.stop();
    }
  });

  test("a manifest from a different command does not apply", () => {
    const cache = tempDir();
    const a = config(cache);
    const b = config(cache);
    b.backends.everything!.args = ["--other"];
    expect(manifestKey("everything", a.backends.everything!)).not.toBe(
      manifestKey("everything", b.backends.everything!),
    );
    new ManifestStore(cache).write(manifestKey("everything", a.backends.everything!), {
      tools: [],
      listedAt: 1,
    });
    expect(new ManifestStore(cache).read(manifestKey("everything", b.backends.everything!))).toBeUndefined();
  });

  test("a corrupt manifest is ignored, not fatal", async () => {
    const cache = tempDir();
    const c = config(cache);
    const key = manifestKey("everything", c.backends.everything!);
    await Bun.write(`${cache}/manifests/${key}.json`, "{ not json");
    expect(new ManifestStore(cache).read(key)).toBeUndefined();
  });
});

describe("idle sleep and health checks (injected clock)", () => {
  test("an idle backend sleeps (its process exits) and the next call wakes it", async () => {
    let now = 1_000_000;
    const c = config(tempDir(), "    idle_timeout: 1m\n");
    const backend = createBackend("everything", c.backends.everything!, {
      defaultTimeoutMs: 5000,
      log,
      now: () => now,
      idleTimeoutMs: c.backends.everything!.idle_timeout!,
    });
    const gateway = new InProcessGateway(c, { pool: new BackendPool([backend]), now: () => now });
    gateway.start({ tickMs: 0 });
    await gateway.ready;
    try {
      const pid = backend.snapshot().pid as number;
      now += 59_000;
      gateway.core.pool.tick(now);
      expect(backend.snapshot().status).toBe("running");
      now += 2_000;
      gateway.core.pool.tick(now);
      await waitFor("backend asleep", () => (backend.snapshot().status === "sleeping" ? true : undefined));
      await waitFor("process gone", () => (!isAlive(pid) ? true : undefined), 10_000);
      expect(backend.tools.length).toBeGreaterThan(0);

      const echo = await metaCall(gateway, "gateway_invoke", {
        server: "everything",
        tool: "echo",
        arguments: { message: "awake" },
      });
      expect(JSON.stringify(echo.content)).toContain("awake");
      expect(backend.snapshot()).toMatchObject({ status: "running", restarts: 0 });
      expect(backend.snapshot().pid).not.toBe(pid);
    } finally {
      await gateway.stop();
    }
  });

  test("a backend that stops answering pings is restarted", async () => {
    let now = 1_000_000;
    const c = config(tempDir());
    const backend = createBackend("everything", c.backends.everything!, {
      defaultTimeoutMs: 1000,
      log,
      now: () => now,
      pingIntervalMs: 30_000,
    });
    const gateway = new InProcessGateway(c, { pool: new BackendPool([backend]), now: () => now });
    gateway.start({ tickMs: 0 });
    await gateway.ready;
    const pid = backend.snapshot().pid as number;
    try {
      process.kill(pid, "SIGSTOP");
      now += 31_000;
      gateway.core.pool.tick(now);
      await waitFor("restart after a missed ping", () =>
        backend.snapshot().restarts === 1 ? true : undefined,
      );
      await waitFor("running again", () => (backend.snapshot().status === "running" ? true : undefined));
      expect(backend.snapshot().pid).not.toBe(pid);
      expect(backend.snapshot().lastError).toBeUndefined();
    } finally {
      try {
        process.kill(pid, "SIGCONT");
        process.kill(-pid, "SIGKILL");
      } catch {
        // Already gone.
      }
      await gateway.stop();
    }
  });

  test("a backend that dies is restarted in the background with backoff", async () => {
    const scheduled: { ms: number; run: () => void }[] = [];
    const timers = {
      setTimeout: ((run: () => void, ms: number) => {
        scheduled.push({ ms, run });
        return scheduled.length as unknown as ReturnType<typeof setTimeout>;
      }) as unknown as typeof setTimeout,
      clearTimeout: (() => undefined) as typeof clearTimeout,
    };
    const c = config(tempDir());
    const backend = createBackend("everything", c.backends.everything!, {
      defaultTimeoutMs: 5000,
      log,
      timers,
    });
    await backend.start();
    try {
      const pid = backend.snapshot().pid as number;
      process.kill(-pid, "SIGKILL");
      await waitFor("restart scheduled", () => (scheduled.length === 1 ? true : undefined));
      expect(backend.snapshot().status).toBe("error");
      expect(scheduled[0]?.ms).toBe(1000);
      scheduled[0]?.run();
      await waitFor("restarted", () => (backend.snapshot().status === "running" ? true : undefined));
      expect(backend.snapshot().restarts).toBe(1);
      const echo = await backend.callTool("echo", { message: "ok" });
      expect(z.looseObject({}).parse(echo)).toHaveProperty("content");
    } finally {
      await backend.stop();
    }
  });
});
