import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { WebSocketClientTransport } from "@modelcontextprotocol/sdk/client/websocket.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { cachedSessionLabels } from "../../src/gateway/pipeline.ts";
import { startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { serverCommand } from "../helpers/paths.ts";
import { waitFor } from "../helpers/process.ts";
import { wsUrl } from "../helpers/ws.ts";

// Issue 11: the log label of every session id stayed cached after the session ended (3,500 of them after
// one fuzz run, until 10,000 cleared the lot); a session's end now takes its label with it.

describe("session labels", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway(`capabilities: { enabled: false }
backends:
  everything:
    command: '${serverCommand("everything", "stdio")}'
`);
  });
  afterAll(async () => {
    await gw?.stop();
  });

  async function oneCall(transport: Transport): Promise<Client> {
    const client = new Client({ name: "labels", version: "1" });
    await client.connect(transport);
    await client.callTool({
      name: "gateway_invoke",
      arguments: { server: "everything", tool: "echo", arguments: { message: "hi" } },
    });
    return client;
  }

  const back = (to: number) => () => (cachedSessionLabels() <= to ? true : undefined);

  test("a Streamable HTTP session's label goes when the client DELETEs it", async () => {
    const before = cachedSessionLabels();
    const transports: StreamableHTTPClientTransport[] = [];
    for (let i = 0; i < 20; i++) {
      const transport = new StreamableHTTPClientTransport(gw.mcpUrl);
      await oneCall(transport);
      transports.push(transport);
    }
    expect(cachedSessionLabels()).toBeGreaterThanOrEqual(before + 20);
    for (const transport of transports) {
      await transport.terminateSession();
      await transport.close();
    }
    await waitFor("the labels of the DELETEd sessions to go", back(before));
  });

  test("an initialize the gateway refuses leaves no label", async () => {
    const before = cachedSessionLabels();
    for (let i = 0; i < 5; i++) {
      // No text/event-stream in Accept: the transport refuses the initialize, the session is discarded.
      const res = await fetch(gw.mcpUrl, {
        method: "POST",
        headers: { accept: "application/json", "content-type": "application/json" },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "initialize",
          params: {
            protocolVersion: "2025-11-25",
            capabilities: {},
            clientInfo: { name: "x", version: "1" },
          },
        }),
      });
      expect(res.status).toBe(406);
      await res.text();
    }
    expect(cachedSessionLabels()).toBeLessThanOrEqual(before);
  });

  test("legacy SSE and /ws sessions take their labels when they close", async () => {
    const before = cachedSessionLabels();
    const clients = [
      await oneCall(new SSEClientTransport(new URL("/sse", gw.http.url))),
      await oneCall(new WebSocketClientTransport(wsUrl(gw.http.url))),
    ];
    expect(cachedSessionLabels()).toBeGreaterThanOrEqual(before + 2);
    for (const client of clients) await client.close();
    await waitFor("the SSE and /ws labels to go", back(before));
  });
});
