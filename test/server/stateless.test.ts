import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Client as ModernClient, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { addKey } from "../../src/auth/manage.ts";
import { META_TOOL_NAMES } from "../../src/server/meta-tool-definitions.ts";
import { type AuthGateway, startAuthGateway } from "../auth/helpers.ts";
import { connectHttp, startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { serverCommand } from "../helpers/paths.ts";

const CONFIG = `
backends:
  everything:
    command: '${serverCommand("everything", "stdio")}'
    description: "Reference server"
`;
const VERSION = "2026-07-28";
const ENVELOPE = {
  "io.modelcontextprotocol/protocolVersion": VERSION,
  "io.modelcontextprotocol/clientInfo": { name: "raw", version: "1" },
  "io.modelcontextprotocol/clientCapabilities": {},
};

let gw: TestGateway;
let transparent: TestGateway;
beforeAll(async () => {
  [gw, transparent] = await Promise.all([
    startTestGateway(CONFIG),
    startTestGateway(CONFIG, { kind: "transparent" }),
  ]);
});
afterAll(async () => {
  await Promise.all([gw?.stop(), transparent?.stop()]);
});

/** An SDK 2.x client that probes with server/discover and stays on 2026-07-28 when the server offers it. */
async function connectModern(url: URL, headers: Record<string, string> = {}): Promise<ModernClient> {
  const client = new ModernClient(
    { name: "stateless-test", version: "1.0.0" },
    { versionNegotiation: { mode: "auto" } },
  );
  await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers } }));
  return client;
}

/** One raw 2026-07-28 POST: the headers the revision requires, unless `headers` overrides them. */
function post(
  url: URL,
  message: { id?: number; method: string; params?: Record<string, unknown> },
  headers: Record<string, string> = {},
): Promise<Response> {
  const name = message.params?.name ?? message.params?.uri;
  return fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": VERSION,
      "mcp-method": message.method,
      ...(typeof name === "string" ? { "mcp-name": name } : {}),
      ...headers,
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: message.id ?? 1,
      method: message.method,
      params: { ...message.params, _meta: { ...ENVELOPE, ...(message.params?._meta as object) } },
    }),
  });
}

function text(result: { content?: unknown }): string {
  return ((result.content as { type: string; text?: string }[] | undefined) ?? [])
    .map((c) => c.text ?? "")
    .join("");
}

describe("2026-07-28 beside 2025-11-25 on /mcp", () => {
  test("an SDK 2.x client negotiates 2026-07-28 and sees the four meta-tools, with no session", async () => {
    const client = await connectModern(gw.mcpUrl);
    try {
      expect(client.getNegotiatedProtocolVersion()).toBe(VERSION);
      expect(client.getInstructions()).toContain("gateway_search_tools");
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual([...META_TOOL_NAMES]);
      const found = await client.callTool({ name: "gateway_search_tools", arguments: { query: "echo" } });
      expect(text(found)).toContain("echo");
      const echoed = await client.callTool({
        name: "gateway_invoke",
        arguments: { server: "everything", tool: "echo", arguments: { message: "modern" } },
      });
      expect(text(echoed)).toContain("Echo: modern");
    } finally {
      await client.close();
    }
    expect(gw.http.sessions.size).toBe(0);
  });

  test("a 2025 SDK 1.x session on the same endpoint works as before, at the same time", async () => {
    const [legacy, modern] = await Promise.all([connectHttp(gw.mcpUrl), connectModern(gw.mcpUrl)]);
    try {
      expect(legacy.getServerVersion()?.name).toBe("mcp-gateway");
      const [a, b] = await Promise.all([legacy.listTools(), modern.listTools()]);
      expect(a.tools.map((t) => t.name)).toEqual(b.tools.map((t) => t.name));
      expect(gw.http.sessions.size).toBe(1);
    } finally {
      await Promise.all([legacy.close(), modern.close()]);
    }
  });

  test("server/discover names the revision, capabilities, instructions and cache hints", async () => {
    const response = await post(gw.mcpUrl, { method: "server/discover" });
    expect(response.status).toBe(200);
    expect(response.headers.get("mcp-session-id")).toBeNull();
    const { result } = (await response.json()) as { result: Record<string, unknown> };
    expect(result.supportedVersions).toEqual([VERSION]);
    expect(Object.keys(result.capabilities as object).sort()).toEqual([
      "completions",
      "prompts",
      "resources",
      "tools",
    ]);
    expect(result.instructions).toContain("gateway_invoke");
    expect(result.resultType).toBe("complete");
    expect(result.ttlMs).toBe(60_000);
    expect(result.cacheScope).toBe("public");
  });

  test("the fixed meta-tool list may be cached for an hour by anyone", async () => {
    const response = await post(gw.mcpUrl, { method: "tools/list" });
    const { result } = (await response.json()) as { result: Record<string, unknown> };
    expect(result.ttlMs).toBe(3_600_000);
    expect(result.cacheScope).toBe("public");
  });

  test("an Mcp-Name header that disagrees with the body is 400 / -32020, and nothing is called", async () => {
    const response = await post(
      gw.mcpUrl,
      { method: "tools/call", params: { name: "gateway_list_servers", arguments: {} } },
      { "mcp-name": "gateway_invoke" },
    );
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: number } };
    expect(body.error.code).toBe(-32020);
  });

  test("an Mcp-Method header that disagrees with the body is 400 / -32020", async () => {
    const response = await post(gw.mcpUrl, { method: "tools/list" }, { "mcp-method": "prompts/list" });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: number } }).error.code).toBe(-32020);
  });

  test("an unsupported version in the envelope is 400 / -32022 naming the supported ones", async () => {
    const response = await post(
      gw.mcpUrl,
      {
        method: "tools/list",
        params: { _meta: { "io.modelcontextprotocol/protocolVersion": "2099-01-01" } },
      },
      { "mcp-protocol-version": "2099-01-01" },
    );
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: number; data: { supported: string[] } } };
    expect(body.error.code).toBe(-32022);
    expect(body.error.data.supported).toContain(VERSION);
  });

  test("methods 2026-07-28 removed, and unknown ones, are 404 / -32601", async () => {
    for (const method of ["logging/setLevel", "resources/subscribe", "ping", "no/such"]) {
      const response = await post(gw.mcpUrl, { method, params: { level: "info", uri: "x://y" } });
      expect(response.status).toBe(404);
      expect(((await response.json()) as { error: { code: number } }).error.code).toBe(-32601);
    }
  });

  test("bad params are -32602, not an internal error", async () => {
    const response = await post(
      gw.mcpUrl,
      { method: "tools/call", params: { arguments: {} } },
      {
        "mcp-name": "x",
      },
    );
    const body = (await response.json()) as { error: { code: number } };
    expect(body.error.code).toBe(-32602);
  });

  test("an unknown meta-tool is a -32602 protocol error with a did-you-mean, as on a session", async () => {
    const response = await post(gw.mcpUrl, { method: "tools/call", params: { name: "gateway_invok" } });
    const body = (await response.json()) as { error: { code: number; message: string } };
    expect(body.error.message).toContain('did you mean "gateway_invoke"');
  });

  test("without the envelope, a request without a session is refused exactly as before", async () => {
    const response = await fetch(gw.mcpUrl, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toBe(
      '{"jsonrpc":"2.0","error":{"code":-32000,"message":"Bad Request: Mcp-Session-Id header is required (initialize first)"},"id":null}',
    );
  });
});

describe("2026-07-28 on /mcp/{backend} and transparent /mcp", () => {
  test("a direct endpoint relays the backend's tools, resources and prompts", async () => {
    const client = await connectModern(new URL("/mcp/everything", gw.http.url));
    try {
      expect(client.getNegotiatedProtocolVersion()).toBe(VERSION);
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toContain("echo");
      const echoed = await client.callTool({ name: "echo", arguments: { message: "direct" } });
      expect(text(echoed)).toBe("Echo: direct");
      const { resources } = await client.listResources();
      const first = resources[0];
      expect(first).toBeDefined();
      const read = await client.readResource({ uri: first?.uri ?? "" });
      expect(read.contents[0]?.uri).toBe(first?.uri);
      const { prompts } = await client.listPrompts();
      expect(prompts.map((p) => p.name)).toContain("simple-prompt");
      const prompt = await client.getPrompt({ name: "simple-prompt" });
      expect(prompt.messages.length).toBeGreaterThan(0);
    } finally {
      await client.close();
    }
  });

  test("a tool result is relayed as the backend sent it, plus only resultType and serverInfo", async () => {
    const url = new URL("/mcp/everything", gw.http.url);
    const legacy = await connectHttp(url);
    try {
      const args = { message: "same" };
      const [before, response] = await Promise.all([
        legacy.callTool({ name: "echo", arguments: args }),
        post(url, { method: "tools/call", params: { name: "echo", arguments: args } }),
      ]);
      const { result } = (await response.json()) as { result: Record<string, unknown> };
      const { resultType, _meta, ...rest } = result;
      expect(resultType).toBe("complete");
      expect(_meta).toEqual({
        "io.modelcontextprotocol/serverInfo": { name: "mcp-gateway", version: expect.any(String) },
      });
      expect(rest).toEqual(before as Record<string, unknown>);
    } finally {
      await legacy.close();
    }
  });

  test("progress of a long call reaches the 2026-07-28 client on the request's own stream", async () => {
    const client = await connectModern(new URL("/mcp/everything", gw.http.url));
    try {
      const seen: number[] = [];
      const result = await client.callTool(
        { name: "trigger-long-running-operation", arguments: { duration: 0.3, steps: 3 } },
        { onprogress: (p) => seen.push(p.progress) },
      );
      expect(text(result)).toContain("completed");
      expect(seen).toEqual([1, 2, 3]);
    } finally {
      await client.close();
    }
  });

  test("transparent /mcp lists every tool prefixed and calls them by that name", async () => {
    const client = await connectModern(transparent.mcpUrl);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toContain("everything__echo");
      const echoed = await client.callTool({ name: "everything__echo", arguments: { message: "t" } });
      expect(text(echoed)).toBe("Echo: t");
    } finally {
      await client.close();
    }
  });

  test("an unknown backend is 404 before any protocol handling, as for 2025", async () => {
    const response = await post(new URL("/mcp/nope", gw.http.url), { method: "tools/list" });
    expect(response.status).toBe(404);
  });
});

describe("2026-07-28 with auth", () => {
  let authGw: AuthGateway;
  let key: string;
  beforeAll(async () => {
    authGw = await startAuthGateway(`auth: {}\n${CONFIG}`);
    key = await addKey(authGw.keysPath, "echo-only", { scopes: ["everything/echo"] });
    authGw.auth?.reloadKeys();
  });
  afterAll(() => authGw?.stop());

  test("no key is 401 with the challenge, as for 2025", async () => {
    const response = await post(new URL("/mcp", authGw.url), { method: "server/discover" });
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toContain("resource_metadata=");
  });

  test("the key's principal reaches the facade: only what its scopes allow, lists private", async () => {
    const bearer = { authorization: `Bearer ${key}` };
    const client = await connectModern(new URL("/mcp", authGw.transparent.url), bearer);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(["everything__echo"]);
      const refused = await client.callTool({ name: "everything__get-sum", arguments: { a: 1, b: 2 } });
      expect(refused.isError).toBe(true);
    } finally {
      await client.close();
    }
    const listed = await post(new URL("/mcp", authGw.transparent.url), { method: "tools/list" }, bearer);
    const { result } = (await listed.json()) as { result: Record<string, unknown> };
    expect(result.cacheScope).toBe("private");
  });
});
