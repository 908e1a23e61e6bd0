import { describe, expect, test } from "bun:test";
import { type ActivityEntry, ActivityFeed } from "../../src/dashboard/activity.ts";
import { RequestTally } from "../../src/dashboard/request-tally.ts";
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

describe("RequestTally", () => {
  test("counts calls, errors, latency and last use per principal, dropping the least recently seen", () => {
    const tally = new RequestTally((r) => r.principal, { maxKeys: 2 });
    tally.record(record("key:a", "success", 4, 1));
    tally.record(record("key:b", "denied", 0, 2));
    tally.record(record("key:a", "timeout", 8, 3));
    tally.record(record("key:c", "success", 1, 4));
    expect(tally.get("key:b")).toBeUndefined();
    const a = tally.get("key:a");
    expect([a?.calls, a?.errors, a?.lastUsed]).toEqual([2, 1, 3]);
    expect(tally.all().map((c) => c.key)).toEqual(["key:a", "key:c"]);
    expect(a?.latency.count).toBe(2);
  });
});
