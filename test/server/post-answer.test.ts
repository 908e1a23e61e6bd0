import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { POST_OPEN_AFTER_MS } from "../../src/server/http/prime-stream.ts";
import { connectHttp, RawResult, startTestGateway } from "../helpers/gateway.ts";
import { serverCommand } from "../helpers/paths.ts";

// A POST's answer goes out whole when it is complete on arrival, and as an opened event stream when the
// call is slow or reports progress first: both must reach the SDK client intact.
describe("a POST's answer over /mcp/{backend}", () => {
  let gateway: Awaited<ReturnType<typeof startTestGateway>>;
  let client: Client;
  beforeAll(async () => {
    gateway = await startTestGateway(
      `capabilities: { enabled: false }\nbackends:\n  everything:\n    command: '${serverCommand("everything", "stdio")}'\n`,
    );
    client = await connectHttp(new URL("/mcp/everything", gateway.http.url));
  });
  afterAll(async () => {
    await client?.close();
    await gateway?.stop();
  });

  test("a quick call's answer arrives as one body with a length", async () => {
    const response = await fetch(new URL("/mcp/everything", gateway.http.url), {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-session-id": String(client.transport?.sessionId),
        "mcp-protocol-version": "2025-06-18",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 9, method: "ping" }),
    });
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const text = await response.text();
    expect(response.headers.get("content-length")).toBe(String(Buffer.byteLength(text)));
    expect(text).toContain('"id":9');
  });

  test("a call silent for longer than the POST's opening delay still gets its result", async () => {
    const seconds = Math.ceil((POST_OPEN_AFTER_MS * 1.5) / 1000);
    const result = await client.request(
      {
        method: "tools/call",
        params: { name: "trigger-long-running-operation", arguments: { duration: seconds, steps: 1 } },
      } as never,
      RawResult,
    );
    expect(JSON.stringify(result)).toContain("Long running operation completed");
  });

  test("progress reported before the result arrives in order, then the result", async () => {
    const seen: number[] = [];
    const result = await client.request(
      {
        method: "tools/call",
        params: { name: "trigger-long-running-operation", arguments: { duration: 1, steps: 4 } },
      } as never,
      RawResult,
      { onprogress: (p) => seen.push(p.progress) },
    );
    expect(JSON.stringify(result)).toContain("Long running operation completed");
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
  });
});
