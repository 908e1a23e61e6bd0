import { describe, expect, test } from "bun:test";
import { type ActivityEntry, ActivityFeed } from "../../src/dashboard/activity.ts";
import { CallerTally } from "../../src/dashboard/caller-stats.ts";
import { emptyBuckets, latencyHistograms, observe, quantile } from "../../src/dashboard/latency.ts";
import type { AuditRecord } from "../../src/gateway/hooks.ts";

function record(
  principal: string,
  outcome: AuditRecord["outcome"],
  durationMs: number,
  time = 1000,
): AuditRecord {
  return {
    time,
    principal,
    session: "abcd1234",
    server: "everything",
    kind: "tool",
    name: "get-sum",
    outcome,
    durationMs,
    bytes: 0,
  };
}

describe("ActivityFeed", () => {
  test("turns each audit record into one entry with its principal, keeping the latest", () => {
    const feed = new ActivityFeed({ keep: 2 });
    const seen: ActivityEntry[] = [];
    const stop = feed.subscribe((e) => seen.push(e));
    feed.record(record("key:root", "success", 12.4));
    stop();
    feed.record(record("key:ci", "tool_error", 3));
    feed.record(record("anonymous", "denied", 0));
    expect(seen).toEqual([
      {
        time: 1000,
        principal: "key:root",
        session: "abcd1234",
        server: "everything",
        kind: "tool",
        tool: "get-sum",
        outcome: "success",
        latencyMs: 12,
      },
    ]);
    expect(feed.recent.map((e) => e.principal)).toEqual(["key:ci", "anonymous"]);
  });
});

describe("latency buckets", () => {
  test("quantiles interpolate inside a bucket and stop at the last bound", () => {
    const b = emptyBuckets([10, 100]);
    expect(quantile(b, 0.5)).toBeUndefined();
    for (const ms of [1, 2, 3, 4]) observe(b, ms);
    expect(quantile(b, 0.5)).toBe(5);
    observe(b, 5000);
    expect(quantile(b, 0.99)).toBe(100);
  });

  test("reads a /metrics histogram into per-bucket counts in ms", () => {
    const text = [
      'mcp_gateway_request_duration_seconds_bucket{backend="everything",tool="get-sum",le="0.005"} 2',
      'mcp_gateway_request_duration_seconds_bucket{backend="everything",tool="get-sum",le="0.01"} 3',
      'mcp_gateway_request_duration_seconds_bucket{backend="everything",tool="get-sum",le="+Inf"} 4',
      'mcp_gateway_request_duration_seconds_count{backend="everything",tool="get-sum"} 4',
    ].join("\n");
    const series = latencyHistograms(text).get(JSON.stringify(["everything", "get-sum"]));
    expect(series).toEqual({ bounds: [5, 10], counts: [2, 1, 1] });
    expect(quantile(series as NonNullable<typeof series>, 0.5)).toBe(5);
  });
});

describe("CallerTally", () => {
  test("counts calls, errors, latency and last use per principal, dropping the least recently seen", () => {
    const tally = new CallerTally({ maxCallers: 2 });
    tally.record(record("key:a", "success", 4, 1));
    tally.record(record("key:b", "denied", 0, 2));
    tally.record(record("key:a", "timeout", 8, 3));
    tally.record(record("key:c", "success", 1, 4));
    expect(tally.get("key:b")).toBeUndefined();
    const a = tally.get("key:a");
    expect([a?.calls, a?.errors, a?.lastUsed]).toEqual([2, 1, 3]);
    expect(tally.all().map((c) => c.principal)).toEqual(["key:a", "key:c"]);
  });
});
