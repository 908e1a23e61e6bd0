import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { WebSocketClientTransport } from "@modelcontextprotocol/sdk/client/websocket.js";
import { LoggingMessageNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { addKey } from "../../src/auth/manage.ts";
import { parseConfig } from "../../src/config/load.ts";
import { Gateway } from "../../src/gateway/gateway.ts";
import { startHttpFrontEnd } from "../../src/server/http/front-end.ts";
import { META_TOOL_NAMES } from "../../src/server/meta-tool-definitions.ts";
import type { AuthGateway } from "../auth/helpers.ts";
import { startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { serverCommand } from "../helpers/paths.ts";
import { waitFor } from "../helpers/process.ts";
import { rawExchange } from "../helpers/raw-socket.ts";
import { startKeyedEverything, wsUrl } from "../helpers/ws.ts";

const MAX_BODY = 64 * 1024;
let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway(`
server:
  max_body_size: ${MAX_BODY}
capabilities:
  enabled: false
backends:
  everything:
    command: '${serverCommand("everything", "stdio")}'
    description: "Reference server with echo and sums"
`);
});
afterAll(() => gw?.stop());

async function sdkClient(url: URL): Promise<Client> {
  const client = new Client({ name: "ws-test", version: "1.0.0" });
  await client.connect(new WebSocketClientTransport(url));
  return client;
}

/** The raw handshake (what a browser or a misconfigured client sends), answered by the front end. */
function handshake(port: number, headers: Record<string, string>, path = "/ws"): Promise<string> {
  const lines = [
    `GET ${path} HTTP/1.1`,
    `Host: 127.0.0.1:${port}`,
    "Connection: Upgrade",
    "Upgrade: websocket",
    "Sec-WebSocket-Version: 13",
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    "",
    "",
  ];
  return rawExchange(port, lines.join("\r\n"), { until: /\r\n\r\n/ });
}

/** A raw socket with subprotocol mcp; resolves once open, with its frames and close code recorded. */
async function openSocket(url: URL, init: { headers?: Record<string, string> } = {}) {
  const socket = new WebSocket(url, { protocols: ["mcp"], ...init } as never);
  const frames: unknown[] = [];
  const closed = Promise.withResolvers<{ code: number; reason: string }>();
  const nextFrame: { resolve?: (frame: unknown) => void } = {};
  socket.addEventListener("message", (event) => {
    const frame = JSON.parse(String(event.data));
    frames.push(frame);
    nextFrame.resolve?.(frame);
  });
  socket.addEventListener("close", (event) => closed.resolve({ code: event.code, reason: event.reason }));
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener("open", () => resolve());
    socket.addEventListener("error", () => reject(new Error("WebSocket failed to open")));
  });
  const next = () => new Promise<unknown>((resolve) => (nextFrame.resolve = resolve));
  return { socket, frames, closed: closed.promise, next };
}

const INIT = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
};

describe("MCP over WebSocket at /ws", () => {
  test("the SDK's WebSocketClientTransport sees the four meta-tools and calls a real backend through them", async () => {
    const client = await sdkClient(wsUrl(gw.http.url));
    expect(client.getServerVersion()?.name).toBe("mcp-gateway");
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual([...META_TOOL_NAMES]);
    const result = await client.callTool({
      name: "gateway_invoke",
      arguments: { server: "everything", tool: "echo", arguments: { message: "over a websocket" } },
    });
    expect(result.isError).toBeFalsy();
    expect(JSON.stringify(result.content)).toContain("over a websocket");
    const sum = await client.callTool({
      name: "gateway_invoke",
      arguments: { server: "everything", tool: "get-sum", arguments: { a: 20, b: 22 } },
    });
    expect(JSON.stringify(sum.content)).toContain("42");
    await client.close();
  });

  test("backend log messages reach the WebSocket session as notifications", async () => {
    const client = await sdkClient(wsUrl(gw.http.url));
    const logged = Promise.withResolvers<unknown>();
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => logged.resolve(n.params));
    await client.setLoggingLevel("debug");
    await client.callTool({
      name: "gateway_invoke",
      arguments: { server: "everything", tool: "toggle-simulated-logging", arguments: {} },
    });
    expect(await logged.promise).toHaveProperty("level");
    await client.callTool({
      name: "gateway_invoke",
      arguments: { server: "everything", tool: "toggle-simulated-logging", arguments: {} },
    });
    await client.close();
  });

  test("a session closes with its socket, and counts in /metrics while open", async () => {
    const client = await sdkClient(wsUrl(gw.http.url));
    await client.ping();
    const sessions = async () => {
      const metrics = await (await fetch(new URL("/metrics", gw.http.url))).text();
      return Number(/^mcp_gateway_active_sessions(?:\{[^}]*\})? (\d+)/m.exec(metrics)?.[1] ?? "-1");
    };
    expect(await sessions()).toBeGreaterThanOrEqual(1);
    await client.close();
    await waitFor("the closed session to leave", async () => ((await sessions()) === 0 ? true : undefined));
  });

  test("a request id already in flight is refused; bad JSON gets a parse error and the session lives on", async () => {
    const { socket, next } = await openSocket(wsUrl(gw.http.url));
    socket.send(JSON.stringify(INIT));
    expect(await next()).toMatchObject({ id: 1, result: { serverInfo: { name: "mcp-gateway" } } });
    socket.send(JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }));
    socket.send("{not json");
    expect(await next()).toEqual({
      jsonrpc: "2.0",
      id: null,
      error: { code: -32700, message: "Parse error: the frame is not valid JSON" },
    });
    socket.send(
      JSON.stringify([
        { jsonrpc: "2.0", id: 7, method: "ping" },
        { jsonrpc: "2.0", id: 7, method: "ping" },
      ]),
    );
    expect(await next()).toMatchObject({
      id: 7,
      error: { code: -32600, message: expect.stringContaining("in flight") },
    });
    socket.send(JSON.stringify({ jsonrpc: "2.0", id: 8, method: "ping" }));
    expect(await next()).toEqual({ jsonrpc: "2.0", id: 8, result: {} });
    socket.close();
  });

  test("a frame over server.max_body_size closes the connection with 1009", async () => {
    const { socket, closed } = await openSocket(wsUrl(gw.http.url));
    socket.send(JSON.stringify(INIT));
    socket.send(JSON.stringify({ ...INIT, id: 2, params: { padding: "x".repeat(MAX_BODY + 1) } }));
    expect((await closed).code).toBe(1009);
  });
});

describe("the /ws handshake is refused", () => {
  test("without the mcp subprotocol (400), from a foreign Origin or Host (403), without an upgrade (426)", async () => {
    const port = Number(gw.http.url.port);
    expect(await handshake(port, { "Sec-WebSocket-Protocol": "graphql-ws" })).toStartWith("HTTP/1.1 400");
    expect(await handshake(port, {})).toStartWith("HTTP/1.1 400");
    expect(
      await handshake(port, { "Sec-WebSocket-Protocol": "mcp", Origin: "https://evil.example" }),
    ).toStartWith("HTTP/1.1 403");
    const ok = await handshake(port, { "Sec-WebSocket-Protocol": "mcp", Origin: `http://localhost:${port}` });
    expect(ok).toStartWith("HTTP/1.1 101");
    expect(ok.toLowerCase()).toContain("sec-websocket-protocol: mcp");
    const plain = await fetch(new URL("/ws", gw.http.url));
    expect(plain.status).toBe(426);
    expect((await fetch(new URL("/ws", gw.http.url), { method: "POST" })).status).toBe(405);
  });

  test("the SDK transport against a foreign-Origin-only gateway path fails to connect (the browser case)", async () => {
    const socket = new WebSocket(wsUrl(gw.http.url), {
      protocols: ["mcp"],
      headers: { origin: "https://evil.example" },
    } as never);
    const outcome = await new Promise<string>((resolve) => {
      socket.addEventListener("open", () => resolve("open"));
      socket.addEventListener("error", () => resolve("error"));
    });
    expect(outcome).toBe("error");
  });
});

describe("WebSocket session limits", () => {
  test("past max_sessions an upgrade gets 503; an unused session expires, a used one stays", async () => {
    let now = 1_000_000;
    const { config } = parseConfig(
      "server:\n  max_sessions: 2\n  unused_session_timeout: 60s\ncapabilities:\n  enabled: false\n",
      { file: "limits.yaml" },
    );
    const gateway = Gateway.fromConfig(config);
    const http = startHttpFrontEnd(gateway, {
      host: "127.0.0.1",
      port: 0,
      surface: { kind: "meta" },
      now: () => now,
    });
    try {
      const unused = await sdkClient(wsUrl(http.url));
      const used = await sdkClient(wsUrl(http.url));
      const refused = await handshake(Number(http.url.port), { "Sec-WebSocket-Protocol": "mcp" });
      expect(refused).toStartWith("HTTP/1.1 503");
      await used.ping();
      const gone = Promise.withResolvers<void>();
      unused.onclose = () => gone.resolve();
      now += 61_000;
      expect(http.ws.sweep()).toBe(1);
      await gone.promise;
      expect(await used.ping()).toEqual({});
      expect(http.ws.size).toBe(1);
      await used.close();
    } finally {
      await http.stop();
      await gateway.stop();
    }
  });
});

describe("/ws with auth", () => {
  let auth: AuthGateway;
  let key: string;
  beforeAll(async () => {
    ({ gw: auth, key } = await startKeyedEverything(["everything/echo"]));
  });
  afterAll(() => auth?.stop());

  test("the upgrade needs an API key (401 with a challenge); with one the session has its principal's scopes", async () => {
    const port = Number(auth.url.port);
    const refused = await handshake(port, { "Sec-WebSocket-Protocol": "mcp" });
    expect(refused).toStartWith("HTTP/1.1 401");
    expect(refused.toLowerCase()).toContain("www-authenticate: bearer");
    const { socket, next } = await openSocket(wsUrl(auth.url), {
      headers: { authorization: `Bearer ${key}` },
    });
    socket.send(JSON.stringify(INIT));
    await next();
    socket.send(JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }));
    const call = (id: number, tool: string, args: Record<string, unknown>) =>
      socket.send(
        JSON.stringify({
          jsonrpc: "2.0",
          id,
          method: "tools/call",
          params: { name: "gateway_invoke", arguments: { server: "everything", tool, arguments: args } },
        }),
      );
    call(2, "echo", { message: "allowed" });
    expect(JSON.stringify(await next())).toContain("allowed");
    call(3, "get-sum", { a: 1, b: 2 });
    const denied = (await next()) as { result: { isError: boolean; content: { text: string }[] } };
    expect(denied.result.isError).toBe(true);
    expect(denied.result.content[0]?.text).toContain("not allowed");
    socket.close();
  });
});

describe("/ws/{backend}: one backend's own tools over WebSocket", () => {
  test("the SDK's WebSocketClientTransport lists the backend's own tools and calls them directly", async () => {
    const client = await sdkClient(wsUrl(gw.http.url, "/ws/everything"));
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    expect(names).toContain("echo");
    expect(names).toContain("get-sum");
    expect(names.some((n) => n.startsWith("gateway_"))).toBe(false);
    const result = await client.callTool({ name: "echo", arguments: { message: "direct over ws" } });
    expect(result.isError).toBeFalsy();
    expect(JSON.stringify(result.content)).toContain("direct over ws");
    await client.close();
  });

  test("an unknown backend is refused before the upgrade with /mcp/{backend}'s 404 and a did-you-mean", async () => {
    const port = Number(gw.http.url.port);
    const refused = await handshake(port, { "Sec-WebSocket-Protocol": "mcp" }, "/ws/everythin");
    expect(refused).toStartWith("HTTP/1.1 404");
    const mcp = await fetch(new URL("/mcp/everythin", gw.http.url), { method: "POST", body: "{}" });
    expect(mcp.status).toBe(404);
    const body = await fetch(new URL("/ws/everythin", gw.http.url));
    expect(body.status).toBe(404);
    const { error } = (await body.json()) as { error: { message: string } };
    expect(error.message).toBe('Unknown backend "everythin" (did you mean "everything"?)');
    // the Host/Origin guard and the WebSocket checks hold as on /ws
    expect(
      await handshake(
        port,
        { "Sec-WebSocket-Protocol": "mcp", Origin: "https://evil.example" },
        "/ws/everything",
      ),
    ).toStartWith("HTTP/1.1 403");
    expect(await handshake(port, {}, "/ws/everything")).toStartWith("HTTP/1.1 400");
    expect((await fetch(new URL("/ws/everything", gw.http.url))).status).toBe(426);
    expect((await fetch(new URL("/ws/everything", gw.http.url), { method: "POST" })).status).toBe(405);
  });

  describe("with auth", () => {
    let auth: AuthGateway;
    let key: string;
    /** A key whose scopes reach another backend only. */
    let elsewhere: string;
    beforeAll(async () => {
      ({ gw: auth, key } = await startKeyedEverything(["everything"]));
      elsewhere = await addKey(auth.keysPath, "ws-elsewhere", { scopes: ["memory"] });
      auth.auth?.reloadKeys();
    });
    afterAll(() => auth?.stop());

    test("the upgrade needs a key (401); a backend out of the key's scopes is 403, as on /mcp/{backend}", async () => {
      const port = Number(auth.url.port);
      const anonymous = await handshake(port, { "Sec-WebSocket-Protocol": "mcp" }, "/ws/everything");
      expect(anonymous).toStartWith("HTTP/1.1 401");
      expect(anonymous.toLowerCase()).toContain("www-authenticate: bearer");
      const other = { "Sec-WebSocket-Protocol": "mcp", Authorization: `Bearer ${elsewhere}` };
      const outOfScope = await handshake(port, other, "/ws/everything");
      expect(outOfScope).toStartWith("HTTP/1.1 403");
      expect(outOfScope).toContain('Forbidden: backend \\"everything\\" is not allowed');
      const mcp = await fetch(new URL("/mcp/everything", auth.url), {
        method: "POST",
        headers: { authorization: `Bearer ${elsewhere}` },
        body: "{}",
      });
      expect(mcp.status).toBe(403);
      // an unknown backend answers the same 403 to a restricted key: no name leaks
      const bearer = { "Sec-WebSocket-Protocol": "mcp", Authorization: `Bearer ${key}` };
      expect(await handshake(port, bearer, "/ws/no-such-backend")).toStartWith("HTTP/1.1 403");
      expect(await handshake(port, bearer, "/ws/everything")).toStartWith("HTTP/1.1 101");
    });

    test("with a key in scope the session lists and calls the backend's tools", async () => {
      const { socket, next } = await openSocket(wsUrl(auth.url, "/ws/everything"), {
        headers: { authorization: `Bearer ${key}` },
      });
      socket.send(JSON.stringify(INIT));
      await next();
      socket.send(JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }));
      socket.send(JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list", params: {} }));
      const listed = (await next()) as { result: { tools: { name: string }[] } };
      expect(listed.result.tools.map((t) => t.name)).toContain("get-sum");
      socket.send(
        JSON.stringify({
          jsonrpc: "2.0",
          id: 3,
          method: "tools/call",
          params: { name: "get-sum", arguments: { a: 40, b: 2 } },
        }),
      );
      expect(JSON.stringify(await next())).toContain("42");
      socket.close();
    });
  });
});
