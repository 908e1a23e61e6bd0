import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DailyCounts, TREND_DAYS } from "../../src/usage/daily-counts.ts";
import {
  BUCKETS,
  bucketOf,
  bucketValue,
  LatencyHistogram,
  QUANTILE_PRECISION,
} from "../../src/usage/latency-histogram.ts";
import { UsageStore } from "../../src/usage/usage-store.ts";

const DAY = 86_400_000;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "usage-trend-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function store(clock: { now: number }, path = join(dir, "usage.json")): UsageStore {
  return new UsageStore({
    path,
    now: () => clock.now,
    schedule: () => () => undefined,
    warn: () => undefined,
  });
}

describe("latency histogram", () => {
  test("every latency from 0.1 ms to 20 minutes reads back within the stated precision", () => {
    expect(QUANTILE_PRECISION).toBeLessThan(0.091);
    for (let ms = 0.1; ms < 1_200_000; ms *= 1.07) {
      const read = bucketValue(bucketOf(ms));
      expect(Math.abs(read - ms) / ms).toBeLessThanOrEqual(QUANTILE_PRECISION + 1e-9);
    }
  });

  test("below 0.1 ms is the first bucket, beyond the range the last", () => {
    expect(bucketOf(0)).toBe(0);
    expect(bucketOf(Number.NaN)).toBe(0);
    expect(bucketOf(1e12)).toBe(BUCKETS - 1);
  });

  test("p50 and p99 of a known spread", () => {
    const h = new LatencyHistogram();
    for (let i = 1; i <= 1000; i++) h.record(i); // 1..1000 ms
    const p50 = h.quantile(0.5) as number;
    const p99 = h.quantile(0.99) as number;
    expect(Math.abs(p50 - 500) / 500).toBeLessThanOrEqual(QUANTILE_PRECISION);
    expect(Math.abs(p99 - 990) / 990).toBeLessThanOrEqual(QUANTILE_PRECISION);
    expect(new LatencyHistogram().quantile(0.5)).toBeUndefined();
  });

  test("one slow call in a hundred shows in p99, not in p50", () => {
    const h = new LatencyHistogram();
    for (let i = 0; i < 98; i++) h.record(10);
    h.record(5_000);
    h.record(5_000);
    expect(h.quantile(0.5)).toBeLessThan(11);
    expect(h.quantile(0.99)).toBeGreaterThan(4_500);
  });
});

describe("daily counts", () => {
  test("keep the last 14 UTC days, oldest first, zeros for quiet days", () => {
    const now = Date.parse("2026-03-20T12:00:00Z");
    const days = new DailyCounts();
    days.record(now, false);
    days.record(now, true);
    days.record(now - 2 * DAY, false);
    days.record(now - 20 * DAY, false); // out of the window: dropped
    const series = days.series(now);
    expect(series).toHaveLength(TREND_DAYS);
    expect(series[0]?.date).toBe("2026-03-07");
    expect(series.at(-1)).toEqual({ date: "2026-03-20", calls: 2, errors: 1 });
    expect(series.at(-3)).toEqual({ date: "2026-03-18", calls: 1, errors: 0 });
    expect(series.reduce((n, d) => n + d.calls, 0)).toBe(3);
  });

  test("days age out of the window as the clock moves", () => {
    const start = Date.parse("2026-03-01T00:00:00Z");
    const days = new DailyCounts();
    days.record(start, false);
    expect(Object.keys(days.toJSON(start + 13 * DAY))).toEqual(["2026-03-01"]);
    expect(days.toJSON(start + 14 * DAY)).toEqual({});
  });
});

describe("the usage store with percentiles and trend", () => {
  test("reports p50/p99 and days, and keeps them across restarts", async () => {
    const clock = { now: Date.parse("2026-05-10T08:00:00Z") };
    const first = store(clock);
    for (let i = 0; i < 99; i++) first.record("gh", "search", { durationMs: 20, error: false });
    clock.now += DAY;
    first.record("gh", "search", { durationMs: 2_000, error: true });
    await first.flush();
    const second = store(clock);
    await second.load();
    const usage = second.get("gh", "search");
    expect(usage?.latencyCalls).toBe(100);
    expect(Math.abs((usage?.p50Ms as number) - 20) / 20).toBeLessThanOrEqual(QUANTILE_PRECISION);
    expect(usage?.p99Ms).toBeLessThan(25);
    expect(usage?.days.slice(-2)).toEqual([
      { date: "2026-05-10", calls: 99, errors: 0 },
      { date: "2026-05-11", calls: 1, errors: 1 },
    ]);
  });

  test("a file written before percentiles existed still loads; new calls add a histogram", async () => {
    const path = join(dir, "old.json");
    const old = {
      version: 1,
      tools: { gh: { search: { calls: 7, errors: 2, total_ms: 70, last_used: "2026-01-01T00:00:00.000Z" } } },
    };
    await writeFile(path, JSON.stringify(old));
    const clock = { now: Date.parse("2026-01-02T00:00:00Z") };
    const s = store(clock, path);
    await s.load();
    expect(s.get("gh", "search")).toMatchObject({ calls: 7, errors: 2, avgMs: 10, latencyCalls: 0 });
    expect(s.get("gh", "search")?.p50Ms).toBeUndefined();
    s.record("gh", "search", { durationMs: 30, error: false });
    await s.flush();
    const written = JSON.parse(await readFile(path, "utf8"));
    expect(written.version).toBe(1);
    expect(written.tools.gh.search).toMatchObject({
      calls: 8,
      errors: 2,
      days: { "2026-01-02": { calls: 1 } },
    });
    expect(Object.values(written.tools.gh.search.latency)).toEqual([1]);
  });

  test("a file with an impossible bucket or day is corrupt, not trusted", async () => {
    const path = join(dir, "bad.json");
    const entry = {
      calls: 1,
      errors: 0,
      total_ms: 1,
      last_used: "2026-01-01T00:00:00.000Z",
      latency: { "99": 1 },
    };
    await writeFile(path, JSON.stringify({ version: 1, tools: { a: { t: entry } } }));
    const warnings: string[] = [];
    const s = new UsageStore({ path, warn: (m) => warnings.push(m), setAside: false });
    await s.load();
    expect(warnings[0]).toContain("is corrupt");
    expect(s.entries()).toEqual([]);
  });
});
