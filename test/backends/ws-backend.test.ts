import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { WebSocketBackendTransport } from "../../src/backends/ws-transport.ts";
import { parseConfig } from "../../src/config/load.ts";
import type { AuthGateway } from "../auth/helpers.ts";
import { connectHttp, startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { freePort, waitListening } from "../helpers/http-servers.ts";
import { BIN, serverCommand } from "../helpers/paths.ts";
import { startKeyedEverything, wsUrl } from "../helpers/ws.ts";

type Json = Record<string, unknown>;

async function invoke(gw: TestGateway, server: string, tool: string, args: Json): Promise<Json> {
  const client = await connectHttp(gw.mcpUrl);
  try {
    return (await client.callTool({
      name: "gateway_invoke",
      arguments: { server, tool, arguments: args },
    })) as Json;
  } finally {
    await client.close();
  }
}

/** supergateway (a third-party stdio→WebSocket bridge, on the `ws` library) in front of server-everything. */
async function startSupergatewayWs(): Promise<{ url: URL; stop: () => Promise<void> }> {
  const port = freePort();
  const proc: Subprocess = Bun.spawn(
    [
      join(BIN, "supergateway"),
      "--stdio",
      serverCommand("everything", "stdio"),
      "--outputTransport",
      "ws",
      "--port",
      String(port),
    ],
    { stdout: "ignore", stderr: "ignore", detached: true },
  );
  await waitListening(port, "supergateway ws");
  return {
    url: new URL(`ws://127.0.0.1:${port}/message`),
    stop: async () => {
      // Its child (server-everything) ignores stdin EOF: end the whole process group.
      try {
        process.kill(-(proc.pid as number), "SIGKILL");
      } catch {}
      await proc.exited;
    },
  };
}

describe("ws:// backends", () => {
  let bridge: Awaited<ReturnType<typeof startSupergatewayWs>>;
  let gw: TestGateway;
  beforeAll(async () => {
    bridge = await startSupergatewayWs();
    gw = await startTestGateway(`
capabilities:
  enabled: false
backends:
  bridged:
    http_url: "${bridge.url}"
    description: "server-everything behind supergateway's WebSocket"
`);
  });
  afterAll(async () => {
    await gw?.stop();
    await bridge?.stop();
  });

  test("a backend behind a third-party WebSocket server lists and calls through the gateway", async () => {
    expect(gw.gateway.health()).toMatchObject({
      backends: { bridged: { status: "running", transport: "websocket" } },
    });
    const echo = await invoke(gw, "bridged", "echo", { message: "through ws://" });
    expect(echo.isError).toBeFalsy();
    expect(JSON.stringify(echo.content)).toContain("through ws://");
    const sum = await invoke(gw, "bridged", "get-sum", { a: 2, b: 3 });
    expect(JSON.stringify(sum.content)).toContain("5");
  });
});

describe("another gateway's /ws as a backend", () => {
  let upstream: AuthGateway;
  let key: string;
  beforeAll(async () => {
    ({ gw: upstream, key } = await startKeyedEverything(["everything/*"]));
  });
  afterAll(() => upstream?.stop());

  test("headers go on the upgrade: with the key the chained call works, without it the backend is in error", async () => {
    const downstream = await startTestGateway(`
capabilities:
  enabled: false
backends:
  upstream:
    http_url: "${wsUrl(upstream.url)}"
    headers:
      Authorization: "Bearer ${key}"
  keyless:
    http_url: "${wsUrl(upstream.url)}"
`);
    try {
      const result = await invoke(downstream, "upstream", "gateway_invoke", {
        server: "everything",
        tool: "echo",
        arguments: { message: "two gateways over websockets" },
      });
      expect(JSON.stringify(result.content)).toContain("two gateways over websockets");
      const health = downstream.gateway.health() as { backends: Record<string, Json> };
      expect(health.backends.keyless).toMatchObject({ status: "error", transport: "websocket" });
      expect(String(health.backends.keyless?.last_error)).toMatch(
        /WebSocket .* (failed|closed before opening)/,
      );
      // The key never shows in /health or errors.
      expect(JSON.stringify(health)).not.toContain(key);
    } finally {
      await downstream.stop();
    }
  });
});

describe("WebSocketBackendTransport", () => {
  test("a server choosing another subprotocol is refused; a frame over the limit ends the connection", async () => {
    const server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch(request, self) {
        const protocol = new URL(request.url).pathname === "/other" ? "graphql-ws" : "mcp";
        return self.upgrade(request, { headers: { "sec-websocket-protocol": protocol } })
          ? undefined
          : new Response("no", { status: 400 });
      },
      websocket: {
        message(ws) {
          ws.send(
            JSON.stringify({
              jsonrpc: "2.0",
              method: "notifications/message",
              params: { pad: "x".repeat(2048) },
            }),
          );
        },
      },
    });
    try {
      const other = new WebSocketBackendTransport({ url: new URL(`ws://127.0.0.1:${server.port}/other`) });
      // Bun's client refuses the handshake itself ("Mismatch client protocol"); the transport checks too.
      await expect(other.start()).rejects.toThrow(/Mismatch client protocol|chose subprotocol "graphql-ws"/);

      const small = new WebSocketBackendTransport({
        url: new URL(`ws://127.0.0.1:${server.port}/mcp`),
        maxMessageBytes: 1024,
      });
      const closed = Promise.withResolvers<void>();
      const received: unknown[] = [];
      small.onclose = () => closed.resolve();
      small.onmessage = (m) => received.push(m);
      await small.start();
      await small.send({ jsonrpc: "2.0", id: 1, method: "ping" });
      await closed.promise;
      expect(received).toEqual([]);
      expect(small.failure).toBe("backend sent a WebSocket message over 1024 bytes (the limit)");
      await expect(small.send({ jsonrpc: "2.0", id: 2, method: "ping" })).rejects.toThrow("not open");
    } finally {
      await server.stop(true);
    }
  });

  test("an unreachable backend fails start with the URL, its password masked", async () => {
    const port = freePort();
    const transport = new WebSocketBackendTransport({
      url: new URL(`ws://user:hunter22@127.0.0.1:${port}/ws`),
    });
    const failure = await transport.start().catch((error: Error) => error.message);
    expect(failure).toMatch(/^WebSocket ws:\/\/\*\*\*@127\.0\.0\.1:\d+\/ws (failed|closed before opening)/);
    expect(failure).not.toContain("hunter22");
  });
});

describe("config", () => {
  test("ws/wss URLs are transport websocket; a mismatched transport or another scheme is refused", () => {
    const parse = (backend: string) =>
      parseConfig(`backends:\n  b:\n${backend}`, { file: "g.yaml", env: {} });
    expect(parse('    http_url: "wss://mcp.example.com/ws"\n').config.backends.b?.http_url).toBe(
      "wss://mcp.example.com/ws",
    );
    expect(() => parse('    http_url: "ws://h/ws"\n    transport: sse\n')).toThrow(
      "a ws/wss URL is transport websocket",
    );
    expect(() => parse('    http_url: "https://h/mcp"\n    transport: websocket\n')).toThrow(
      "transport websocket needs a ws or wss URL",
    );
    expect(() => parse('    http_url: "ftp://h/x"\n')).toThrow("use http, https, ws or wss");
  });
});
