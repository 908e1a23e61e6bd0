import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultUsagePath, UsageStore } from "../../src/usage/usage-store.ts";

/** A hand-driven scheduler: nothing runs until the test says so. */
function manualScheduler() {
  const pending: { fn: () => void; ms: number; cancelled: boolean }[] = [];
  return {
    schedule: (fn: () => void, ms: number) => {
      const job = { fn, ms, cancelled: false };
      pending.push(job);
      return () => {
        job.cancelled = true;
      };
    },
    /** Jobs scheduled and not cancelled. */
    live: () => pending.filter((j) => !j.cancelled),
    runAll: () => {
      for (const job of pending.splice(0)) if (!job.cancelled) job.fn();
    },
  };
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "usage-test-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function setup(options: { path?: string; maxEntries?: number } = {}) {
  const scheduler = manualScheduler();
  const warnings: string[] = [];
  const clock = { now: Date.parse("2026-01-02T03:04:05.000Z") };
  const path = options.path ?? join(dir, "data", "usage.json");
  const store = new UsageStore({
    path,
    now: () => clock.now,
    schedule: scheduler.schedule,
    warn: (m) => warnings.push(m),
    debounceMs: 1_000,
    ...(options.maxEntries ? { maxEntries: options.maxEntries } : {}),
  });
  return { store, scheduler, warnings, clock, path };
}

/** Waits (with a deadline) until the file exists, after a scheduled flush ran. */
async function readJson(path: string): Promise<unknown> {
  const deadline = Date.now() + 2_000;
  for (;;) {
    try {
      return JSON.parse(await readFile(path, "utf8"));
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}

describe("UsageStore", () => {
  test("counts calls, errors and latency per tool", () => {
    const { store, clock } = setup();
    store.record("gh", "search", { durationMs: 100, error: false });
    clock.now += 5_000;
    store.record("gh", "search", { durationMs: 300, error: true });
    expect(store.get("gh", "search")).toMatchObject({
      calls: 2,
      errors: 1,
      totalMs: 400,
      avgMs: 200,
      lastUsed: clock.now,
      latencyCalls: 2,
    });
    expect(store.get("gh", "other")).toBeUndefined();
  });

  test("the same tool name on two backends is two entries", () => {
    const { store } = setup();
    store.record("a", "search", { durationMs: 1, error: false });
    store.record("b", "search", { durationMs: 1, error: false });
    store.record("b", "search", { durationMs: 1, error: false });
    expect(store.entries().map((e) => [e.backend, e.calls])).toEqual([
      ["b", 2],
      ["a", 1],
    ]);
  });

  test("bad latencies do not poison the totals", () => {
    const { store } = setup();
    store.record("a", "t", { durationMs: Number.NaN, error: false });
    store.record("a", "t", { durationMs: -5, error: false });
    expect(store.get("a", "t")?.totalMs).toBe(0);
  });

  test("debounces: one pending write however many calls, none before the quiet spell", async () => {
    const { store, scheduler, path } = setup();
    for (let i = 0; i < 10; i++) store.record("gh", "search", { durationMs: 10, error: false });
    expect(scheduler.live()).toHaveLength(1);
    expect(scheduler.live()[0]?.ms).toBe(1_000);
    await expect(readFile(path, "utf8")).rejects.toThrow();
    scheduler.runAll();
    const data = (await readJson(path)) as { tools: Record<string, Record<string, { calls: number }>> };
    expect(data.tools.gh?.search?.calls).toBe(10);
  });

  test("persists across restarts in a stable JSON format", async () => {
    const first = setup();
    first.store.record("gh", "search", { durationMs: 120, error: false });
    first.store.record("gh", "search", { durationMs: 80, error: true });
    await first.store.close();
    expect(JSON.parse(await readFile(first.path, "utf8"))).toEqual({
      version: 1,
      tools: {
        gh: {
          search: {
            calls: 2,
            errors: 1,
            total_ms: 200,
            last_used: "2026-01-02T03:04:05.000Z",
            // 80 ms and 120 ms in their histogram buckets; the day's calls
            latency: { "39": 1, "41": 1 },
            days: { "2026-01-02": { calls: 2, errors: 1 } },
          },
        },
      },
    });
    const second = setup({ path: first.path });
    await second.store.load();
    expect(second.store.get("gh", "search")).toMatchObject({ calls: 2, errors: 1, avgMs: 100 });
  });

  test("calls recorded before load are kept and added to the file's counts", async () => {
    const first = setup();
    first.store.record("gh", "search", { durationMs: 10, error: false });
    await first.store.flush();
    const second = setup({ path: first.path });
    second.store.record("gh", "search", { durationMs: 10, error: false });
    await second.store.load();
    expect(second.store.get("gh", "search")?.calls).toBe(2);
  });

  test("writes atomically: no temp file is left behind", async () => {
    const { store, path } = setup();
    store.record("a", "t", { durationMs: 1, error: false });
    await store.flush();
    store.record("a", "t", { durationMs: 1, error: false });
    await store.flush();
    expect(await readdir(join(dir, "data"))).toEqual(["usage.json"]);
    expect(((await readJson(path)) as { tools: { a: { t: { calls: number } } } }).tools.a.t.calls).toBe(2);
  });

  test("flush with nothing new writes nothing", async () => {
    const { store, path } = setup();
    await store.flush();
    await expect(readFile(path, "utf8")).rejects.toThrow();
  });

  test("a missing file is an empty store, without a warning", async () => {
    const { store, warnings } = setup();
    await store.load();
    expect(store.entries()).toEqual([]);
    expect(warnings).toEqual([]);
  });

  test.each([
    ["invalid JSON", "{ not json"],
    ["the wrong shape", JSON.stringify({ version: 1, tools: { a: { t: { calls: "many" } } } })],
    ["an unknown version", JSON.stringify({ version: 2, tools: {} })],
  ])("a file with %s is set aside and the store starts fresh", async (_what, content) => {
    const { store, warnings, path } = setup({ path: join(dir, "usage.json") });
    await writeFile(path, content);
    await store.load();
    expect(store.entries()).toEqual([]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("corrupt");
    const aside = "usage.json.corrupt-2026-01-02T03-04-05-000Z";
    expect(warnings[0]).toContain(aside);
    expect(await readFile(join(dir, aside), "utf8")).toBe(content);
    // The next save writes a good file in its place.
    store.record("a", "t", { durationMs: 1, error: false });
    await store.flush();
    expect(((await readJson(path)) as { version: number }).version).toBe(1);
  });

  test("a failed write is retried by the next flush and reported by close", async () => {
    const { store, warnings, path } = setup({ path: join(dir, "ro", "usage.json") });
    await writeFile(join(dir, "ro"), "a file where the directory should be");
    store.record("a", "t", { durationMs: 1, error: false });
    await expect(store.flush()).rejects.toThrow();
    await store.close();
    expect(warnings.join("\n")).toContain("cannot save usage stats");
    await rm(join(dir, "ro"));
    await store.flush();
    expect(((await readJson(path)) as { tools: { a: { t: { calls: number } } } }).tools.a.t.calls).toBe(1);
  });

  test("keeps at most maxEntries tools, dropping the least recently used", async () => {
    const { store, clock, path } = setup({ maxEntries: 2 });
    for (const tool of ["old", "mid", "new"]) {
      store.record("a", tool, { durationMs: 1, error: false });
      clock.now += 1_000;
    }
    await store.flush();
    const data = (await readJson(path)) as { tools: { a: Record<string, unknown> } };
    expect(Object.keys(data.tools.a).sort()).toEqual(["mid", "new"]);
  });

  test.each([
    [{ debounceMs: -1 }, "debounceMs"],
    [{ debounceMs: Number.NaN }, "debounceMs"],
    [{ maxEntries: 0 }, "maxEntries"],
  ])("rejects invalid options %o", (options, field) => {
    expect(() => new UsageStore({ path: "/x", ...options })).toThrow(field);
  });
});

describe("defaultUsagePath", () => {
  test("prefers an absolute XDG_DATA_HOME", () => {
    expect(defaultUsagePath({ env: { XDG_DATA_HOME: "/data" }, platform: "linux", home: "/home/u" })).toBe(
      "/data/mcp-gateway/usage.json",
    );
  });

  test("ignores a relative XDG_DATA_HOME", () => {
    expect(defaultUsagePath({ env: { XDG_DATA_HOME: "rel" }, platform: "linux", home: "/home/u" })).toBe(
      "/home/u/.local/share/mcp-gateway/usage.json",
    );
  });

  test("uses Application Support on macOS", () => {
    expect(defaultUsagePath({ env: {}, platform: "darwin", home: "/Users/u" })).toBe(
      "/Users/u/Library/Application Support/mcp-gateway/usage.json",
    );
  });

  test("uses ~/.local/share on Linux", () => {
    expect(defaultUsagePath({ env: {}, platform: "linux", home: "/home/u" })).toBe(
      "/home/u/.local/share/mcp-gateway/usage.json",
    );
  });
});

test("two stores on one path in one process write without taking each other's temp file", async () => {
  const path = join(dir, "usage.json");
  const a = new UsageStore({ path, debounceMs: 0 });
  const b = new UsageStore({ path, debounceMs: 0 });
  a.record("x", "t", { durationMs: 1, error: false });
  b.record("y", "t", { durationMs: 1, error: false });
  // Before, both named their first temp file usage.json.<pid>.1.tmp: the second rename found it gone.
  await Promise.all([a.flush(), b.flush(), a.flush(), b.flush()]);
  const names = await readdir(dir);
  expect(names).toEqual(["usage.json"]);
  const saved = JSON.parse(await readFile(path, "utf8")) as { tools: Record<string, unknown> };
  expect(Object.keys(saved.tools).length).toBe(1);
});
