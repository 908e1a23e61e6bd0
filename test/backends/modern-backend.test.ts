import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Client as ModernClient, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import {
  ElicitRequestSchema,
  ResourceUpdatedNotificationSchema,
  ToolListChangedNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { createMcpHandler, McpServer } from "@modelcontextprotocol/server";
import type { Server as BunServer, Subprocess } from "bun";
import { z } from "zod";
import { speaksModern } from "../../src/backends/modern-probe.ts";
import { connectHttp, RawResult, startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { startEverythingHttp } from "../helpers/http-servers.ts";
import { MODERN_FIXTURE, startModernFixture } from "../helpers/modern-fixture.ts";
import { BUN } from "../helpers/paths.ts";

// Backends on the SDK's 2.x server over real loopback sockets: the fixture that serves only 2026-07-28
// (its own process), and an in-process one that also answers 2025 clients (the SDK's default).

function dualEraServer(): BunServer<undefined> {
  const handler = createMcpHandler(
    () => {
      const server = new McpServer({ name: "sdk2-backend", version: "1.0.0" });
      server.registerTool(
        "shout",
        { description: "Upper-cases a message", inputSchema: z.object({ message: z.string() }) },
        async ({ message }) => ({ content: [{ type: "text", text: message.toUpperCase() }] }),
      );
      return server;
    },
    { legacy: "stateless" },
  );
  return Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (request) => handler.fetch(request) });
}

function text(result: unknown): string {
  return (((result as { content?: unknown }).content as { text?: string }[] | undefined) ?? [])
    .map((c) => c.text ?? "")
    .join("");
}

async function connectModern(url: URL): Promise<ModernClient> {
  const client = new ModernClient({ name: "t", version: "1" }, { versionNegotiation: { mode: "auto" } });
  await client.connect(new StreamableHTTPClientTransport(url));
  return client;
}

let modern: { proc: Subprocess; url: URL };
let dual: BunServer<undefined>;
let gw: TestGateway;
beforeAll(async () => {
  modern = await startModernFixture();
  dual = dualEraServer();
  gw = await startTestGateway(`
capabilities: { enabled: false }
backends:
  modern:
    http_url: "${modern.url.href}"
  dual:
    http_url: "http://127.0.0.1:${dual.port}/mcp"
  modernstdio:
    command: '"${BUN}" "${MODERN_FIXTURE}"'
`);
});
afterAll(async () => {
  await gw?.stop();
  modern?.proc.kill();
  await dual?.stop(true);
});

describe("probing: server/discover first, initialize after", () => {
  test("a 2026-07-28 server and a dual-era one answer discover; a 2025 server does not", async () => {
    expect(await speaksModern({ url: modern.url, headers: {} })).toBe(true);
    expect(await speaksModern({ url: new URL(`http://127.0.0.1:${dual.port}/mcp`), headers: {} })).toBe(true);
    const legacy = await startEverythingHttp("streamableHttp");
    try {
      expect(await speaksModern({ url: legacy.url, headers: {} })).toBe(false);
    } finally {
      await legacy.stop();
    }
  });

  test("an unreachable server is BACKEND_UNAVAILABLE naming it", async () => {
    await expect(speaksModern({ url: new URL("http://127.0.0.1:9/mcp"), headers: {} })).rejects.toThrow(
      /cannot reach http:\/\/127\.0\.0\.1:9\/mcp/,
    );
  });

  test("the 2026-07-28-only backend runs, with its tools, resources and prompts in the catalog", () => {
    const backend = gw.core.pool.get("modern");
    expect(backend?.snapshot().status).toBe("running");
    expect(backend?.tools.map((t) => t.name)).toContain("shout");
    expect(backend?.resources?.map((r) => r.uri)).toEqual(["modern://greeting"]);
    expect(backend?.prompts?.map((p) => p.name)).toContain("greet");
  });
});

describe("a 2025 client session reaching a 2026-07-28 backend", () => {
  const url = (): URL => new URL("/mcp/modern", gw.http.url);

  test("tools, resources and prompts are relayed, results untouched but for resultType", async () => {
    const client = await connectHttp(url());
    try {
      const result = await client.request(
        { method: "tools/call", params: { name: "shout", arguments: { message: "hi" } } },
        RawResult,
      );
      expect(result).toEqual({ content: [{ type: "text", text: "HI" }] });
      const read = await client.readResource({ uri: "modern://greeting" });
      expect(read.contents[0]).toMatchObject({ uri: "modern://greeting", text: "hello from 2026" });
      const prompt = await client.getPrompt({ name: "greet", arguments: { name: "Ada" } });
      expect(prompt.messages[0]?.content).toEqual({ type: "text", text: "Hello Ada" });
    } finally {
      await client.close();
    }
  });

  test("progress from the backend's request stream reaches the session", async () => {
    const client = await connectHttp(url());
    try {
      const seen: number[] = [];
      const result = await client.callTool({ name: "slow", arguments: { steps: 3 } }, undefined, {
        onprogress: (p) => seen.push(p.progress),
      });
      expect(text(result)).toBe("done 3");
      expect(seen).toEqual([1, 2, 3]);
    } finally {
      await client.close();
    }
  });

  test("cancelling the call cancels it on the backend", async () => {
    const client = await connectHttp(url());
    try {
      const before = Number(text(await client.callTool({ name: "cancelled", arguments: {} })));
      const abort = new AbortController();
      const call = client.callTool({ name: "hang", arguments: {} }, undefined, { signal: abort.signal });
      // The backend counts the cancellation when its request stream closes: wait for the count to move.
      setTimeout(() => abort.abort("user stop"), 200);
      await expect(call).rejects.toThrow();
      let after = before;
      for (let i = 0; i < 100 && after === before; i++) {
        after = Number(text(await client.callTool({ name: "cancelled", arguments: {} })));
      }
      expect(after).toBe(before + 1);
    } finally {
      await client.close();
    }
  });

  test("an unknown tool is the backend's own protocol error, code and message", async () => {
    const client = await connectHttp(url());
    try {
      const call = client.callTool({ name: "nope", arguments: {} });
      await expect(call).rejects.toMatchObject({ code: -32602 });
      await expect(call).rejects.toThrow("Tool nope not found");
    } finally {
      await client.close();
    }
  });
});

describe("a 2026-07-28 client reaching 2026-07-28 backends", () => {
  test("the modern-only backend relays tools and progress", async () => {
    const client = await connectModern(new URL("/mcp/modern", gw.http.url));
    try {
      expect(client.getNegotiatedProtocolVersion()).toBe("2026-07-28");
      const seen: number[] = [];
      const result = await client.callTool(
        { name: "slow", arguments: { steps: 2 } },
        { onprogress: (p) => seen.push(p.progress) },
      );
      expect(text(result)).toBe("done 2");
      expect(seen).toEqual([1, 2]);
    } finally {
      await client.close();
    }
  });

  test("the dual-era backend is reached over 2026-07-28 too", async () => {
    const client = await connectModern(new URL("/mcp/dual", gw.http.url));
    try {
      const result = await client.callTool({ name: "shout", arguments: { message: "both" } });
      expect(result.content).toEqual([{ type: "text", text: "BOTH" }]);
    } finally {
      await client.close();
    }
  });
});

describe("list changes of a 2026-07-28 backend", () => {
  test("reach a 2025 session as list_changed and a 2026-07-28 client on its subscriptions/listen stream", async () => {
    const url = new URL("/mcp/modern", gw.http.url);
    const legacy = await connectHttp(url);
    const client = await connectModern(url);
    try {
      const heardLegacy = new Promise<void>((resolve) =>
        legacy.setNotificationHandler(ToolListChangedNotificationSchema, async () => resolve()),
      );
      const heardModern = new Promise<void>((resolve) =>
        client.setNotificationHandler("notifications/tools/list_changed", () => resolve()),
      );
      const subscription = await client.listen({ toolsListChanged: true });
      expect(subscription.honoredFilter.toolsListChanged).toBe(true);
      await client.callTool({ name: "grow", arguments: { name: "sprout" } });
      await Promise.all([heardLegacy, heardModern]);
      const { tools } = await client.listTools(undefined, { cacheMode: "refresh" });
      expect(tools.map((t) => t.name)).toContain("sprout");
      await subscription.close();
    } finally {
      await Promise.all([legacy.close(), client.close()]);
    }
  });
});

describe("resource updates of a 2026-07-28 backend", () => {
  test("reach a 2026-07-28 client that listens for the URI, and a 2025 session that subscribed", async () => {
    const url = new URL("/mcp/modern", gw.http.url);
    const uri = "modern://greeting";
    const legacy = await connectHttp(url);
    const client = await connectModern(url);
    try {
      const heardLegacy = new Promise<string>((resolve) =>
        legacy.setNotificationHandler(ResourceUpdatedNotificationSchema, async (n) => resolve(n.params.uri)),
      );
      const heardModern = new Promise<string>((resolve) =>
        client.setNotificationHandler("notifications/resources/updated", (n) => resolve(n.params.uri)),
      );
      await legacy.subscribeResource({ uri });
      const subscription = await client.listen({ resourceSubscriptions: [uri] });
      expect(subscription.honoredFilter.resourceSubscriptions).toEqual([uri]);
      await client.callTool({ name: "touch", arguments: { uri } });
      expect(await Promise.all([heardLegacy, heardModern])).toEqual([uri, uri]);
      await subscription.close();
    } finally {
      await Promise.all([legacy.close(), client.close()]);
    }
  });
});

describe("Mcp-Param-* headers (x-mcp-header tool params)", () => {
  const url = (): URL => new URL("/mcp/modern", gw.http.url);

  test("the gateway sends them to a 2026-07-28 backend, which refuses a call without them", async () => {
    const client = await connectHttp(url());
    try {
      expect(text(await client.callTool({ name: "route", arguments: { region: "eu-west" } }))).toBe(
        "routed to eu-west",
      );
      // Not plain ASCII: sent in the Base64 sentinel form, decoded by the backend.
      expect(text(await client.callTool({ name: "route", arguments: { region: "zürich" } }))).toBe(
        "routed to zürich",
      );
    } finally {
      await client.close();
    }
  });

  function call(headers: Record<string, string>): Promise<Response> {
    return fetch(url(), {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-protocol-version": "2026-07-28",
        "mcp-method": "tools/call",
        "mcp-name": "route",
        ...headers,
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 7,
        method: "tools/call",
        params: {
          name: "route",
          arguments: { region: "eu" },
          _meta: {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {},
          },
        },
      }),
    });
  }

  test("a 2026-07-28 client's header must match the argument: missing, different or bad Base64 is 400 / -32020", async () => {
    const cases: Record<string, string>[] = [
      {},
      { "mcp-param-region": "us" },
      { "mcp-param-region": "=?base64?ZX!!?=" },
    ];
    for (const headers of cases) {
      const response = await call(headers);
      expect(response.status).toBe(400);
      const body = (await response.json()) as {
        id: number;
        error: { code: number; data: { mismatch: { header: string } } };
      };
      expect(body.id).toBe(7);
      expect(body.error.code).toBe(-32020);
      expect(body.error.data.mismatch.header).toBe("Mcp-Param-Region");
    }
    for (const value of ["eu", `=?base64?${btoa("eu")}?=`]) {
      const response = await call({ "mcp-param-region": value });
      expect(response.status).toBe(200);
      expect(await response.text()).toContain("routed to eu");
    }
  });
});

describe("a stdio backend that speaks only 2026-07-28", () => {
  test("is recognised by its initialize refusal and spoken to on the same pipe", async () => {
    const backend = gw.core.pool.get("modernstdio");
    const client = await connectHttp(new URL("/mcp/modernstdio", gw.http.url), { elicitation: {} });
    client.setRequestHandler(ElicitRequestSchema, async () => ({ action: "accept", content: { ok: true } }));
    try {
      const seen: number[] = [];
      const slow = await client.callTool({ name: "slow", arguments: { steps: 2 } }, undefined, {
        onprogress: (p) => seen.push(p.progress),
      });
      expect(text(slow)).toBe("done 2");
      expect(seen).toEqual([1, 2]);
      const confirmed = await client.callTool({ name: "confirm", arguments: { action: "go" } });
      expect(text(confirmed)).toBe("go: confirmed");
      expect(backend?.snapshot()).toMatchObject({ status: "running", transport: "stdio" });
    } finally {
      await client.close();
    }
  });

  test("a 2026-07-28 client reaches it too", async () => {
    const client = await connectModern(new URL("/mcp/modernstdio", gw.http.url));
    try {
      const result = await client.callTool({ name: "shout", arguments: { message: "pipe" } });
      expect(text(result)).toBe("PIPE");
    } finally {
      await client.close();
    }
  });
});
