import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Client as ModernClient, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { createMcpHandler, McpServer } from "@modelcontextprotocol/server";
import type { Server as BunServer } from "bun";
import { z } from "zod";
import { probeTransport } from "../../src/backends/http-transports.ts";
import { connectHttp, RawResult, startTestGateway, type TestGateway } from "../helpers/gateway.ts";

// Backends built on the SDK's 2.x server, on real loopback sockets: one that serves only 2026-07-28 and
// one that also answers 2025 clients (the SDK's default stateless legacy serving).

function sdk2Server(): McpServer {
  const server = new McpServer({ name: "sdk2-backend", version: "1.0.0" });
  server.registerTool(
    "shout",
    { description: "Upper-cases a message", inputSchema: z.object({ message: z.string() }) },
    async ({ message }) => ({ content: [{ type: "text", text: message.toUpperCase() }] }),
  );
  return server;
}

function serve(legacy: "reject" | "stateless"): BunServer<undefined> {
  const handler = createMcpHandler(() => sdk2Server(), { legacy });
  return Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (request) => handler.fetch(request) });
}

const urlOf = (server: BunServer<undefined>): URL => new URL(`http://127.0.0.1:${server.port}/mcp`);

let modernOnly: BunServer<undefined>;
let dualEra: BunServer<undefined>;
let gw: TestGateway;
beforeAll(async () => {
  modernOnly = serve("reject");
  dualEra = serve("stateless");
  gw = await startTestGateway(`
capabilities: { enabled: false }
backends:
  modern:
    http_url: "${urlOf(modernOnly).href}"
  dual:
    http_url: "${urlOf(dualEra).href}"
`);
});
afterAll(async () => {
  await gw?.stop();
  await Promise.all([modernOnly?.stop(true), dualEra?.stop(true)]);
});

describe("backends on the SDK's 2.x server", () => {
  test("a 2026-07-28-only server is refused at the probe, naming its versions, not mistaken for SSE", async () => {
    await expect(probeTransport({ url: urlOf(modernOnly), headers: {} })).rejects.toThrow(
      /speaks only MCP 2026-07-28/,
    );
    const snapshot = gw.core.pool.get("modern")?.snapshot();
    expect(snapshot?.status).toBe("error");
    expect(snapshot?.lastError).toContain("speaks only MCP 2026-07-28");
  });

  test("a dual-era server is reached over 2025 (initialize) and relayed to 2025 clients", async () => {
    expect(await probeTransport({ url: urlOf(dualEra), headers: {} })).toBe("streamable-http");
    const client = await connectHttp(new URL("/mcp/dual", gw.http.url));
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(["shout"]);
      const result = await client.request(
        { method: "tools/call", params: { name: "shout", arguments: { message: "hi" } } },
        RawResult,
      );
      expect(result.content).toEqual([{ type: "text", text: "HI" }]);
    } finally {
      await client.close();
    }
  });

  test("a 2026-07-28 client reaches the dual-era backend through the gateway", async () => {
    const client = new ModernClient({ name: "t", version: "1" }, { versionNegotiation: { mode: "auto" } });
    await client.connect(new StreamableHTTPClientTransport(new URL("/mcp/dual", gw.http.url)));
    try {
      expect(client.getNegotiatedProtocolVersion()).toBe("2026-07-28");
      const result = await client.callTool({ name: "shout", arguments: { message: "both" } });
      expect(result.content).toEqual([{ type: "text", text: "BOTH" }]);
    } finally {
      await client.close();
    }
  });
});
