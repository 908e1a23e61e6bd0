import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import {
  Client as ModernClient,
  StreamableHTTPClientTransport as ModernTransport,
} from "@modelcontextprotocol/client";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { serveStdio } from "../../src/server/stdio.ts";
import { BUN, ROOT } from "../helpers/paths.ts";
import { wsUrl } from "../helpers/ws.ts";
import { type JsonSpan, jsonSpans, type OtlpReceiver, startOtlpReceiver } from "./otlp-receiver.ts";
import { startTracedGateway, type TracedGateway } from "./traced-gateway.ts";

const SERVER = 2;
const CLIENT = 3;
const FIXTURE = join(ROOT, "test/fixtures/meta-echo-server.ts");
const YAML = `
capabilities:
  enabled: false
backends:
  echo:
    command: '"${BUN}" "${FIXTURE}"'
`;
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

/** A fresh, valid remote parent: random trace and span ids, sampled. */
function remoteParent(): { traceId: string; spanId: string; traceparent: string } {
  const hex = (bytes: number) => Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString("hex");
  const traceId = hex(16);
  const spanId = hex(8);
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}

/** The `_meta` the fixture backend received, read from its echo_meta result. */
function receivedMeta(result: unknown): Record<string, unknown> {
  const content = (result as { content?: { text?: string }[] }).content;
  const text = content?.[0]?.text ?? "";
  // On the meta surface the backend's result is wrapped in gateway_invoke's; both are JSON text.
  const inner = JSON.parse(text) as unknown;
  const echoed = (inner as { content?: { text?: string }[] } | null)?.content?.[0]?.text;
  return (echoed === undefined ? inner : JSON.parse(echoed)) as Record<string, unknown>;
}

async function httpClient(url: URL, headers: Record<string, string> = {}): Promise<Client> {
  const client = new Client({ name: "trace-test", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers } }));
  return client;
}

let receiver: OtlpReceiver;
let gw: TracedGateway;

async function spans(): Promise<JsonSpan[]> {
  await gw.core.telemetry.flush();
  return jsonSpans(receiver.exports);
}

/** The SERVER and CLIENT spans of the call to echo_meta whose CLIENT span is `clientSpanId`. */
async function callSpans(clientSpanId: string): Promise<{ server?: JsonSpan; client?: JsonSpan }> {
  const all = await spans();
  const client = all.find((s) => s.spanId === clientSpanId);
  const server = all.find((s) => s.spanId === client?.parentSpanId);
  return { server, client };
}

/** Checks the chain remote parent → gateway SERVER → gateway CLIENT → backend, for one call. */
async function expectChain(
  meta: Record<string, unknown>,
  parent: { traceId: string; spanId: string },
): Promise<{ server?: JsonSpan; client?: JsonSpan }> {
  const [, traceId, parentId] = TRACEPARENT.exec(String(meta.traceparent)) ?? [];
  expect(traceId).toBe(parent.traceId);
  const chain = await callSpans(String(parentId));
  expect(chain.client).toMatchObject({ kind: CLIENT, name: "tools/call echo_meta", traceId: parent.traceId });
  expect(chain.server).toMatchObject({ kind: SERVER, traceId: parent.traceId, parentSpanId: parent.spanId });
  return chain;
}

beforeAll(async () => {
  receiver = startOtlpReceiver();
  gw = await startTracedGateway(YAML, {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
    OTEL_METRICS_EXPORTER: "none",
  });
});

afterAll(async () => {
  await gw?.stop();
  await receiver?.stop();
});

describe("incoming trace context (telemetry on)", () => {
  test("an HTTP traceparent header parents the gateway's spans; the stdio backend's parent is the CLIENT span", async () => {
    const parent = remoteParent();
    const client = await httpClient(new URL("/mcp", gw.http.url), {
      traceparent: parent.traceparent,
      tracestate: "vendor=abc",
    });
    try {
      const result = await client.callTool({
        name: "gateway_invoke",
        arguments: { server: "echo", tool: "echo_meta", arguments: {} },
      });
      const meta = receivedMeta(result);
      expect(meta.tracestate).toBe("vendor=abc");
      expect(typeof meta.progressToken).toBe("string");
      const { server } = await expectChain(meta, parent);
      expect(server?.name).toBe("tools/call echo_meta");
    } finally {
      await client.close();
    }
  });

  test("a request's _meta.traceparent parents the spans and wins over the header; the backend gets the gateway's", async () => {
    const header = remoteParent();
    const parent = remoteParent();
    const client = await httpClient(new URL("/mcp/echo", gw.http.url), { traceparent: header.traceparent });
    try {
      const result = await client.callTool({
        name: "echo_meta",
        arguments: {},
        _meta: { traceparent: parent.traceparent, tracestate: "client=1" },
      });
      const meta = receivedMeta(result);
      // The backend's parent is the gateway's attempt (same trace, another span), not the client's span.
      expect(meta.traceparent).not.toBe(parent.traceparent);
      expect(meta.tracestate).toBe("client=1");
      const { server } = await expectChain(meta, parent);
      expect(server?.attributes["mcp_gateway.surface"]).toBe("direct");
      expect((await spans()).some((s) => s.traceId === header.traceId)).toBe(false);
    } finally {
      await client.close();
    }
  });

  test("a malformed traceparent is ignored: the call is a new root, not an error", async () => {
    const bad = [
      "garbage",
      `00-${"0".repeat(32)}-${"1".repeat(16)}-01`, // all-zero trace id is invalid
      `00-${"a".repeat(31)}-${"1".repeat(16)}-01`, // one hex digit short
    ];
    for (const traceparent of bad) {
      const client = await httpClient(new URL("/mcp", gw.http.url), { traceparent });
      try {
        const result = await client.callTool({
          name: "gateway_invoke",
          arguments: { server: "echo", tool: "echo_meta", arguments: {} },
        });
        expect(result.isError).toBeFalsy();
        const meta = receivedMeta(result);
        const [, traceId, parentId] = TRACEPARENT.exec(String(meta.traceparent)) ?? [];
        expect(traceId).toBeDefined();
        const { server, client: span } = await callSpans(String(parentId));
        expect(span?.kind).toBe(CLIENT);
        expect(server?.kind).toBe(SERVER);
        expect(server?.traceId).toBe(traceId as string);
        expect(server?.parentSpanId ?? "").toBe("");
        expect(traceparent.includes(traceId as string)).toBe(false);
      } finally {
        await client.close();
      }
    }
  });

  test("a 2026-07-28 (stateless) request's traceparent header parents the spans", async () => {
    const parent = remoteParent();
    const client = new ModernClient(
      { name: "trace-2026", version: "1.0.0" },
      { versionNegotiation: { mode: "auto" } },
    );
    await client.connect(
      new ModernTransport(new URL("/mcp/echo", gw.http.url), {
        requestInit: { headers: { traceparent: parent.traceparent } },
      }),
    );
    try {
      expect(client.getNegotiatedProtocolVersion()).toBe("2026-07-28");
      const result = await client.callTool({ name: "echo_meta", arguments: {} });
      await expectChain(receivedMeta(result), parent);
    } finally {
      await client.close();
    }
  });

  test("a legacy SSE session's POST /message carries the traceparent header", async () => {
    const parent = remoteParent();
    const client = new Client({ name: "trace-sse", version: "1.0.0" });
    await client.connect(
      new SSEClientTransport(new URL("/sse", gw.http.url), {
        requestInit: { headers: { traceparent: parent.traceparent } },
      }),
    );
    try {
      const result = await client.callTool({
        name: "gateway_invoke",
        arguments: { server: "echo", tool: "echo_meta", arguments: {} },
      });
      await expectChain(receivedMeta(result), parent);
    } finally {
      await client.close();
    }
  });

  test("over WebSocket: the upgrade's traceparent header, and a message's _meta over it", async () => {
    const upgrade = remoteParent();
    const perMessage = remoteParent();
    const socket = new WebSocket(wsUrl(gw.http.url), {
      protocols: ["mcp"],
      headers: { traceparent: upgrade.traceparent },
    } as never);
    const answers = new Map<number, PromiseWithResolvers<unknown>>();
    socket.onmessage = (event) => {
      const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown };
      if (typeof message.id === "number") answers.get(message.id)?.resolve(message.result);
    };
    const opened = Promise.withResolvers<void>();
    socket.onopen = () => opened.resolve();
    socket.onerror = () => opened.reject(new Error("WebSocket did not open"));
    await opened.promise;
    let next = 0;
    const request = (method: string, params: Record<string, unknown>): Promise<unknown> => {
      const id = ++next;
      answers.set(id, Promise.withResolvers());
      socket.send(JSON.stringify({ jsonrpc: "2.0", id, method, params }));
      return answers.get(id)?.promise as Promise<unknown>;
    };
    try {
      await request("initialize", {
        protocolVersion: "2025-06-18",
        capabilities: {},
        clientInfo: { name: "ws-trace", version: "1" },
      });
      socket.send(JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }));
      const invoke = {
        name: "gateway_invoke",
        arguments: { server: "echo", tool: "echo_meta", arguments: {} },
      };
      const byHeader = receivedMeta(await request("tools/call", invoke));
      await expectChain(byHeader, upgrade);
      const byMeta = receivedMeta(
        await request("tools/call", { ...invoke, _meta: { traceparent: perMessage.traceparent } }),
      );
      await expectChain(byMeta, perMessage);
    } finally {
      socket.close();
    }
  });

  test("over stdio: a request's _meta.traceparent parents the spans", async () => {
    const parent = remoteParent();
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const served = serveStdio(
      gw.gateway,
      { kind: "direct", backend: "echo" },
      {
        stdin: stdin as never,
        stdout: stdout as never,
      },
    );
    const lines: Record<string, unknown>[] = [];
    let buffered = "";
    const arrived = new Map<number, PromiseWithResolvers<unknown>>();
    stdout.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      let at = buffered.indexOf("\n");
      while (at >= 0) {
        const message = JSON.parse(buffered.slice(0, at)) as { id?: number; result?: unknown };
        lines.push(message);
        if (typeof message.id === "number") arrived.get(message.id)?.resolve(message.result);
        buffered = buffered.slice(at + 1);
        at = buffered.indexOf("\n");
      }
    });
    const send = (id: number, method: string, params: Record<string, unknown>): Promise<unknown> => {
      arrived.set(id, Promise.withResolvers());
      stdin.write(`${JSON.stringify({ jsonrpc: "2.0", id, method, params })}\n`);
      return arrived.get(id)?.promise as Promise<unknown>;
    };
    try {
      await send(1, "initialize", {
        protocolVersion: "2025-06-18",
        capabilities: {},
        clientInfo: { name: "stdio-trace", version: "1" },
      });
      stdin.write(`${JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" })}\n`);
      const result = await send(2, "tools/call", {
        name: "echo_meta",
        arguments: {},
        _meta: { traceparent: parent.traceparent },
      });
      await expectChain(receivedMeta(result), parent);
    } finally {
      stdin.end();
      await served;
    }
  });
});

describe("a ws:// backend (another gateway's /ws/{backend})", () => {
  test("receives the CLIENT span's traceparent in _meta: its spans continue the same trace", async () => {
    const front = await startTracedGateway(
      `
capabilities:
  enabled: false
backends:
  inner:
    http_url: "${wsUrl(gw.http.url, "/ws/echo")}"
`,
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
        OTEL_METRICS_EXPORTER: "none",
      },
    );
    try {
      const client = await httpClient(new URL("/mcp/inner", front.http.url));
      try {
        const meta = receivedMeta(await client.callTool({ name: "echo_meta", arguments: {} }));
        await front.core.telemetry.flush();
        // echo's parent is the inner gateway's CLIENT span; its SERVER span's parent the outer CLIENT span
        const [, traceId, parentId] = TRACEPARENT.exec(String(meta.traceparent)) ?? [];
        const { server: inner } = await callSpans(String(parentId));
        expect(inner?.traceId).toBe(traceId as string);
        const outer = (await spans()).find((s) => s.spanId === inner?.parentSpanId);
        expect(outer).toMatchObject({ kind: CLIENT, traceId, name: "tools/call echo_meta" });
        expect(outer?.attributes["mcp_gateway.backend"]).toBe("inner");
      } finally {
        await client.close();
      }
    } finally {
      await front.stop();
    }
  });
});

describe("telemetry off", () => {
  test("the backend receives no traceparent from the gateway: only the progress token it always sends", async () => {
    const off = await startTracedGateway(YAML, {});
    try {
      expect(off.core.telemetry.tracer).toBeUndefined();
      const client = await httpClient(new URL("/mcp/echo", off.http.url), {
        traceparent: remoteParent().traceparent,
      });
      try {
        const plain = receivedMeta(await client.callTool({ name: "echo_meta", arguments: {} }));
        expect(Object.keys(plain)).toEqual(["progressToken"]);
        // A client's own _meta.traceparent does not make the gateway add or pass one either.
        const own = receivedMeta(
          await client.callTool({
            name: "echo_meta",
            arguments: {},
            _meta: { traceparent: remoteParent().traceparent },
          }),
        );
        expect(Object.keys(own)).toEqual(["progressToken"]);
      } finally {
        await client.close();
      }
    } finally {
      await off.stop();
    }
  });
});
