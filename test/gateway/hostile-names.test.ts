import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { ActivityFeed } from "../../src/dashboard/activity.ts";
import { connectHttp, startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { serverCommand } from "../helpers/paths.ts";

// Issue 11: a direct session (`/mcp/{backend}`) relays any tool name, and every name a client made up
// became a metric label, a usage record and an Activity entry, whole: the fuzz left a 195 KiB name in the
// Activity feed; 200 names of up to max_body_size each per backend could be kept for the process's life.

describe("tool names a client makes up on a direct session", () => {
  let gw: TestGateway;
  let client: Client;
  const feed = new ActivityFeed();

  beforeAll(async () => {
    gw = await startTestGateway(`capabilities: { enabled: false }
failsafe: { rate_limit: { enabled: false } }
backends:
  everything:
    command: '${serverCommand("everything", "stdio")}'
`);
    gw.gateway.onRequest((record) => feed.record(record));
    client = await connectHttp(new URL("/mcp/everything", gw.http.url));
  });
  afterAll(async () => {
    await client?.close();
    await gw?.stop();
  });

  async function call(name: string): Promise<void> {
    // The backend refuses an unknown tool, as an error result or a JSON-RPC error: either is its answer.
    await client.callTool({ name, arguments: { message: "hi" } }).catch(() => undefined);
  }

  const metrics = async (): Promise<string> => (await fetch(new URL("/metrics", gw.http.url))).text();

  test("are counted as other, never kept as labels, usage records or whole Activity entries", async () => {
    const long = (i: number) => `${i}${"x".repeat(100_000)}`;
    for (let i = 0; i < 3; i++) await call(long(i));
    await call("echo");
    const text = await metrics();
    expect(text).not.toContain("x".repeat(1_000));
    expect(text).toContain('mcp_gateway_requests_total{backend="everything",tool="other"');
    expect(text).toContain('mcp_gateway_requests_total{backend="everything",tool="echo"');
    expect(text.length).toBeLessThan(100_000);
    const tools = gw.core.usage.entries().map((e) => e.tool);
    expect(tools).toContain("echo");
    expect(tools.filter((t) => t.length > 1_000)).toEqual([]);
    const shown = feed.recent.map((e) => e.tool);
    expect(shown.length).toBeGreaterThanOrEqual(4);
    expect(Math.max(...shown.map((t) => t.length))).toBeLessThanOrEqual(257);
    expect(shown.some((t) => t.startsWith("0xxx") && t.endsWith("…"))).toBe(true);
  });

  test("cannot push the backend's own tools out of the label cap", async () => {
    const cap = gw.core.metrics.maxToolsPerBackend;
    for (let i = 0; i <= cap; i++) await call(`made-up-${i}`);
    await call("get-sum");
    const text = await metrics();
    expect(text).toContain('mcp_gateway_requests_total{backend="everything",tool="get-sum"');
    // Made-up names in a tool name's shape keep their own label until the cap, as an unlisted tool may be real.
    expect(text).toContain('tool="made-up-0"');
    expect(text).not.toContain(`tool="made-up-${cap}"`);
    const tools = gw.core.usage.entries().map((e) => e.tool);
    expect(tools).toContain("get-sum");
    expect(tools).not.toContain(`made-up-${cap}`);
  });
});
