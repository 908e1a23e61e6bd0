import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  LoggingMessageNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { connectHttp, startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { type HttpServerProcess, startEverythingHttp } from "../helpers/http-servers.ts";
import { serverCommand } from "../helpers/paths.ts";
import { waitFor } from "../helpers/process.ts";

const Raw = z.looseObject({});
type Json = Record<string, unknown>;

let gw: TestGateway;
let streamable: HttpServerProcess;
let sse: HttpServerProcess;

beforeAll(async () => {
  [streamable, sse] = await Promise.all([startEverythingHttp("streamableHttp"), startEverythingHttp("sse")]);
  gw = await startTestGateway(`
backends:
  stdio:
    command: '${serverCommand("everything", "stdio")}'
  streamable:
    http_url: "${streamable.url.href}"
  legacy:
    http_url: "${sse.url.href}"
`);
});

afterAll(async () => {
  await gw?.stop();
  await Promise.all([streamable?.stop(), sse?.stop()]);
});

function invoke(client: Client, server: string, tool: string, args: Json = {}, options = {}): Promise<Json> {
  return client.request(
    {
      method: "tools/call",
      params: { name: "gateway_invoke", arguments: { server, tool, arguments: args } },
    },
    Raw,
    options,
  );
}

describe("server-everything over all three transports", () => {
  test("each backend is up on its own transport (sse detected from the URL)", () => {
    const kinds = Object.fromEntries(gw.core.pool.snapshots().map((s) => [s.name, [s.status, s.transport]]));
    expect(kinds).toMatchObject({
      stdio: ["running", "stdio"],
      streamable: ["running", "streamable-http"],
      legacy: ["running", "sse"],
    });
  });

  for (const server of ["stdio", "streamable", "legacy"]) {
    test(`${server}: the same calls give the same answers`, async () => {
      const client = await connectHttp(gw.mcpUrl);
      const echo = await invoke(client, server, "echo", { message: `hi ${server}` });
      expect(JSON.stringify(echo.content)).toContain(`hi ${server}`);
      const sum = await invoke(client, server, "get-sum", { a: 1, b: 2 });
      expect(JSON.stringify(sum.content)).toContain("3");
      const image = await invoke(client, server, "get-tiny-image");
      expect((image.content as Json[]).some((c) => c.type === "image")).toBe(true);

      const direct = await connectHttp(new URL(`/mcp/${server}`, gw.http.url));
      const doc = await direct.readResource({ uri: "demo://resource/static/document/features.md" });
      expect(doc.contents[0]?.uri).toBe("demo://resource/static/document/features.md");
      const prompt = await direct.getPrompt({ name: "args-prompt", arguments: { city: "Oslo" } });
      expect(JSON.stringify(prompt.messages)).toContain("Oslo");
      await Promise.all([client.close(), direct.close()]);
    });
  }

  test("a detected transport is tried once: the probe's session is cleaned up and not reused", async () => {
    const health = (await (await fetch(new URL("/health", gw.http.url))).json()) as {
      backends: Record<string, { transport: string }>;
    };
    expect(health.backends.legacy?.transport).toBe("sse");
  });
});

describe("aggregated resources and prompts on /mcp", () => {
  test("lists resources once per URI and reads them from their owner", async () => {
    const client = await connectHttp(gw.mcpUrl);
    const { resources } = await client.listResources();
    const uris = resources.map((r) => r.uri);
    expect(uris).toContain("demo://resource/static/document/features.md");
    expect(new Set(uris).size).toBe(uris.length);
    const templated = await client.readResource({ uri: "demo://resource/dynamic/text/7" });
    expect(JSON.stringify(templated.contents)).toContain("7");
    await client.close();
  });

  test("names prompts <server>__<prompt>, gets them, and completes their arguments", async () => {
    const client = await connectHttp(gw.mcpUrl);
    const { prompts } = await client.listPrompts();
    const names = prompts.map((p) => p.name);
    expect(names).toContain("stdio__args-prompt");
    expect(names).toContain("streamable__args-prompt");
    const got = await client.getPrompt({ name: "streamable__args-prompt", arguments: { city: "Lima" } });
    expect(JSON.stringify(got.messages)).toContain("Lima");
    const completion = await client.complete({
      ref: { type: "ref/prompt", name: "stdio__completable-prompt" },
      argument: { name: "department", value: "E" },
    });
    expect(completion.completion.values.length).toBeGreaterThan(0);
    expect(completion.completion.values.every((v) => v.startsWith("E"))).toBe(true);
    const missing = await client.getPrompt({ name: "stdio__args-promt" }).catch((err: Error) => err);
    expect(String(missing)).toContain("stdio__args-prompt");
    await client.close();
  });
});

describe("requests a backend sends to the client", () => {
  test("sampling reaches the client that made the call, and its answer goes back", async () => {
    const client = new Client({ name: "sampler", version: "1" }, { capabilities: { sampling: {} } });
    let asked: Json | undefined;
    client.setRequestHandler(CreateMessageRequestSchema, async (request) => {
      asked = request.params as unknown as Json;
      return {
        role: "assistant",
        content: { type: "text", text: "sampled by the test client" },
        model: "test",
      };
    });
    await client.connect(
      new (await import("@modelcontextprotocol/sdk/client/streamableHttp.js")).StreamableHTTPClientTransport(
        gw.mcpUrl,
      ),
    );
    const result = await invoke(client, "stdio", "trigger-sampling-request", {
      prompt: "say hi",
      maxTokens: 10,
    });
    expect(asked).toBeDefined();
    expect(JSON.stringify(result.content)).toContain("sampled by the test client");
    await client.close();
  });

  test("elicitation reaches the client and its answer goes back", async () => {
    const client = new Client({ name: "elicitor", version: "1" }, { capabilities: { elicitation: {} } });
    client.setRequestHandler(ElicitRequestSchema, async () => ({ action: "decline" }));
    await client.connect(
      new (await import("@modelcontextprotocol/sdk/client/streamableHttp.js")).StreamableHTTPClientTransport(
        gw.mcpUrl,
      ),
    );
    const result = await invoke(client, "streamable", "trigger-elicitation-request");
    expect(JSON.stringify(result.content).toLowerCase()).toContain("decline");
    await client.close();
  });

  test("a client that did not declare sampling gets a clear error, not a hang", async () => {
    const client = await connectHttp(gw.mcpUrl);
    const result = await invoke(client, "stdio", "trigger-sampling-request", { prompt: "x", maxTokens: 5 });
    expect(JSON.stringify(result)).toMatch(/did not declare sampling|error/i);
    await client.close();
  });
});

describe("progress and logging", () => {
  test("progress notifications of a long call reach the client", async () => {
    const client = await connectHttp(gw.mcpUrl);
    const seen: number[] = [];
    const result = await invoke(
      client,
      "stdio",
      "trigger-long-running-operation",
      { duration: 1, steps: 4 },
      { onprogress: (p: { progress: number }) => seen.push(p.progress) },
    );
    expect(result.isError).toBeFalsy();
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    await client.close();
  });

  test("logging/setLevel is accepted and backend log messages are relayed", async () => {
    const client = await connectHttp(new URL("/mcp/stdio", gw.http.url));
    const messages: Json[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      messages.push(n.params as Json);
    });
    await client.setLoggingLevel("debug");
    await client.callTool({ name: "toggle-simulated-logging", arguments: {} });
    await waitFor("a relayed log message", () => (messages.length > 0 ? true : undefined), 30_000);
    await client.callTool({ name: "toggle-simulated-logging", arguments: {} });
    expect(messages[0]).toHaveProperty("level");
    await client.close();
  });
});

describe("legacy SSE front end", () => {
  test("GET /sse + POST /message serve the same meta-tools", async () => {
    const client = new Client({ name: "old-client", version: "1" }, { capabilities: {} });
    await client.connect(new SSEClientTransport(new URL("/sse", gw.http.url)));
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toContain("gateway_search_tools");
    const echo = await invoke(client, "stdio", "echo", { message: "over legacy sse" });
    expect(JSON.stringify(echo.content)).toContain("over legacy sse");
    await client.close();
  });

  test("a POST for an unknown SSE session is 404", async () => {
    const res = await fetch(new URL("/message?sessionId=nope", gw.http.url), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
    });
    expect(res.status).toBe(404);
  });
});

describe("faults", () => {
  test("an HTTP backend restarted mid-session is re-initialized transparently", async () => {
    const client = await connectHttp(gw.mcpUrl);
    const before = gw.core.pool.get("streamable")?.snapshot().restarts ?? 0;
    await streamable.stop();
    streamable = await startEverythingHttp("streamableHttp", streamable.port);
    const echo = await invoke(client, "streamable", "echo", { message: "after restart" });
    expect(JSON.stringify(echo.content)).toContain("after restart");
    expect(gw.core.pool.get("streamable")?.snapshot().restarts).toBe(before + 1);
    await client.close();
  });
});

describe("dropped streams", () => {
  test("after every connection to an HTTP backend is cut, calls still work and the GET stream is reopened", async () => {
    const { startTcpProxy } = await import("../helpers/tcp-proxy.ts");
    const proxy = await startTcpProxy(streamable.port);
    const legacyProxy = await startTcpProxy(sse.port);
    const proxied = await startTestGateway(`
capabilities: { enabled: false }
backends:
  viaproxy:
    http_url: "http://127.0.0.1:${proxy.port}/mcp"
  legacyproxy:
    http_url: "http://127.0.0.1:${legacyProxy.port}/sse"
`);
    try {
      const client = await connectHttp(proxied.mcpUrl);
      expect(
        JSON.stringify((await invoke(client, "viaproxy", "echo", { message: "before" })).content),
      ).toContain("before");
      expect(
        JSON.stringify((await invoke(client, "legacyproxy", "echo", { message: "before" })).content),
      ).toContain("before");
      const gets = (): number => proxy.requests.filter((r) => r.startsWith("GET ")).length;
      await waitFor("backend GET stream open", () => (gets() >= 1 ? true : undefined));
      const getsBefore = gets();

      proxy.dropAll();
      legacyProxy.dropAll();
      await waitFor("GET stream re-established", () => (gets() > getsBefore ? true : undefined), 20_000);
      expect(
        JSON.stringify((await invoke(client, "viaproxy", "echo", { message: "after" })).content),
      ).toContain("after");
      // The legacy SSE transport cannot resume: the gateway reconnects (a restart) on the next call.
      expect(
        JSON.stringify((await invoke(client, "legacyproxy", "echo", { message: "after" })).content),
      ).toContain("after");
      await client.close();
    } finally {
      await proxied.stop();
      proxy.stop();
      legacyProxy.stop();
    }
  });
});
