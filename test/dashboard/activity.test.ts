import { describe, expect, test } from "bun:test";
import { type ActivityEntry, ActivityFeed, readMetrics } from "../../src/dashboard/activity.ts";

function metrics(calls: number, seconds: number, outcome = "success"): string {
  return [
    "# TYPE mcp_gateway_requests_total counter",
    `mcp_gateway_requests_total{backend="everything",tool="get-sum",outcome="${outcome}"} ${calls}`,
    `mcp_gateway_request_duration_seconds_sum{backend="everything",tool="get-sum"} ${seconds}`,
    `mcp_gateway_request_duration_seconds_count{backend="everything",tool="get-sum"} ${calls}`,
  ].join("\n");
}

describe("ActivityFeed", () => {
  test("reads request counters and latency sums by backend and tool", () => {
    const reading = readMetrics(metrics(3, 0.3));
    expect(reading.requests.get(JSON.stringify(["everything", "get-sum", "success"]))).toBe(3);
    expect(reading.sum.get(JSON.stringify(["everything", "get-sum"]))).toBe(0.3);
  });

  test("emits one entry per new call with its latency, attributed to the dashboard caller who made it", () => {
    let text = metrics(1, 0.1);
    const feed = new ActivityFeed(() => text, { now: () => 1000 });
    const seen: ActivityEntry[] = [];
    const stop = feed.subscribe((e) => seen.push(e));
    feed.expect("everything", "get-sum", "key:root");
    text = metrics(2, 0.125);
    feed.poll();
    text = metrics(2, 0.125);
    feed.poll();
    stop();
    feed.close();
    expect(seen).toEqual([
      {
        time: 1000,
        principal: "key:root",
        server: "everything",
        tool: "get-sum",
        outcome: "success",
        latencyMs: 25,
        count: 1,
      },
    ]);
  });

  test("calls seen only in the metrics are the client's, and nothing before the first reading is replayed", () => {
    let text = metrics(5, 1);
    const feed = new ActivityFeed(() => text);
    feed.touch();
    text = metrics(7, 1.2, "success");
    feed.poll();
    feed.close();
    expect(feed.recent.map((e) => [e.principal, e.count])).toEqual([["client", 2]]);
  });
});
