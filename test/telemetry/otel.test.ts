import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Server } from "bun";
import { connectHttp, tempDir } from "../helpers/gateway.ts";
import { type HttpServerProcess, startEverythingHttp } from "../helpers/http-servers.ts";
import { metaCall, testContext } from "../helpers/in-process.ts";
import { serverCommand } from "../helpers/paths.ts";
import { waitFor } from "../helpers/process.ts";
import {
  type JsonSpan,
  jsonMetricNames,
  jsonSpans,
  type OtlpReceiver,
  protobufSpans,
  startOtlpReceiver,
} from "./otlp-receiver.ts";
import { startTracedGateway, type TracedGateway } from "./traced-gateway.ts";

const SERVER = 2;
const CLIENT = 3;
const ERROR = 2;

/** An HTTP hop in front of a real backend that remembers each request's traceparent header. */
function recordingProxy(target: URL): {
  url: URL;
  seen: { method: string; traceparent: string | null }[];
  server: Server<undefined>;
} {
  const seen: { method: string; traceparent: string | null }[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0,
    async fetch(request) {
      const body = request.method === "POST" ? await request.text() : undefined;
      let method = request.method;
      try {
        method = (JSON.parse(body ?? "") as { method?: string }).method ?? method;
      } catch {}
      seen.push({ method, traceparent: request.headers.get("traceparent") });
      const headers = new Headers(request.headers);
      headers.delete("host");
      return fetch(new URL(new URL(request.url).pathname, target), { method: request.method, headers, body });
    },
  });
  return { url: new URL(`http://127.0.0.1:${server.port}/mcp`), seen, server };
}

/** A stand-in REST API for a capability: answers JSON, remembers traceparent headers. */
function restApi(): { port: number; traceparents: (string | null)[]; server: Server<undefined> } {
  const traceparents: (string | null)[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(request) {
      traceparents.push(request.headers.get("traceparent"));
      return Response.json({ answer: 42 });
    },
  });
  return { port: server.port as number, traceparents, server };
}

function attr(span: JsonSpan | undefined, key: string): unknown {
  return span?.attributes[key];
}

let receiver: OtlpReceiver;
let everything: HttpServerProcess;
let proxy: ReturnType<typeof recordingProxy>;
let api: ReturnType<typeof restApi>;
let gw: TracedGateway;

beforeAll(async () => {
  receiver = startOtlpReceiver();
  everything = await startEverythingHttp("streamableHttp");
  proxy = recordingProxy(everything.url);
  api = restApi();
  const capabilities = tempDir("mcp-gateway-otel-caps-");
  mkdirSync(join(capabilities, "test"), { recursive: true });
  writeFileSync(
    join(capabilities, "test", "answer.yaml"),
    `fulcrum: "1.0"
name: the_answer
description: Asks the local stand-in API for the answer.
schema:
  input: { type: object, properties: {} }
providers:
  primary:
    service: rest
    config:
      base_url: http://127.0.0.1:${api.port}
      path: /answer
`,
  );
  gw = await startTracedGateway(
    `
server:
  request_timeout: 20s
capabilities:
  directories: ["${capabilities}"]
backends:
  local:
    command: '${serverCommand("everything", "stdio")}'
  remote:
    http_url: "${proxy.url}"
`,
    {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_SERVICE_NAME: "gateway-under-test",
      OTEL_METRIC_EXPORT_INTERVAL: "3600000",
    },
  );
});

afterAll(async () => {
  await gw?.stop();
  proxy?.server.stop(true);
  api?.server.stop(true);
  await everything?.stop();
  await receiver?.stop();
});

describe("OpenTelemetry on (OTLP/HTTP JSON to a local receiver)", () => {
  test("a tool call is a SERVER span with a CLIENT child per backend attempt, MCP attributes on both", async () => {
    const result = await metaCall(gw.gateway, "gateway_invoke", {
      server: "local",
      tool: "get-sum",
      arguments: { a: 2, b: 3 },
    });
    expect(result.isError).toBeFalsy();
    await gw.core.telemetry.flush();
    const spans = jsonSpans(receiver.exports);
    const server = spans.find((s) => s.kind === SERVER && s.name === "tools/call get-sum");
    const client = spans.find((s) => s.kind === CLIENT && s.name === "tools/call get-sum");
    expect(server).toBeDefined();
    expect(client?.traceId).toBe(server?.traceId as string);
    expect(client?.parentSpanId).toBe(server?.spanId as string);
    for (const span of [server, client]) {
      expect(attr(span, "mcp.method.name")).toBe("tools/call");
      expect(attr(span, "gen_ai.tool.name")).toBe("get-sum");
      expect(attr(span, "gen_ai.operation.name")).toBe("execute_tool");
      expect(attr(span, "mcp_gateway.backend")).toBe("local");
      expect(typeof attr(span, "mcp.session.id")).toBe("string");
    }
    expect(attr(client, "network.transport")).toBe("pipe");
    expect(server?.status?.code ?? 0).not.toBe(ERROR);
  });

  test("an HTTP backend receives the CLIENT span's traceparent", async () => {
    const client = await connectHttp(new URL("/mcp", gw.http.url));
    try {
      const result = await client.callTool({
        name: "gateway_invoke",
        arguments: { server: "remote", tool: "echo", arguments: { message: "traced" } },
      });
      expect(result.isError).toBeFalsy();
    } finally {
      await client.close();
    }
    await gw.core.telemetry.flush();
    const call = proxy.seen.find((s) => s.method === "tools/call");
    expect(call?.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const [, traceId, parentId] = String(call?.traceparent).split("-");
    const span = jsonSpans(receiver.exports).find((s) => s.spanId === parentId);
    expect(span).toMatchObject({ kind: CLIENT, name: "tools/call echo", traceId });
    expect(attr(span, "network.transport")).toBe("tcp");
    // the request id the client sent reaches the SERVER span
    const server = jsonSpans(receiver.exports).find((s) => s.spanId === span?.parentSpanId);
    expect(server?.kind).toBe(SERVER);
    expect(attr(server, "jsonrpc.request.id")).toBeDefined();
    expect(attr(server, "mcp_gateway.surface")).toBe("meta");
  });

  test("a REST capability's request carries the traceparent too", async () => {
    const result = await metaCall(gw.gateway, "gateway_invoke", {
      server: "capabilities",
      tool: "the_answer",
      arguments: {},
    });
    expect(JSON.stringify(result.content)).toContain("42");
    expect(api.traceparents.at(-1)).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  test("a tool's isError result marks both spans tool_error", async () => {
    const result = await metaCall(gw.gateway, "gateway_invoke", {
      server: "local",
      tool: "get-sum",
      arguments: { a: "not a number" },
    });
    expect(result.isError).toBe(true);
    await gw.core.telemetry.flush();
    const failed = jsonSpans(receiver.exports).filter(
      (s) => s.name === "tools/call get-sum" && attr(s, "error.type") === "tool_error",
    );
    expect(failed.map((s) => s.kind).sort()).toEqual([SERVER, CLIENT]);
    expect(failed.every((s) => s.status?.code === ERROR)).toBe(true);
  });

  test("a backend's JSON-RPC error sets error.type and rpc.response.status_code to its code", async () => {
    // A direct session relays any prompt name; server-everything answers an unknown one with a JSON-RPC error.
    const ctx = testContext({ surface: { kind: "direct", backend: "local" } });
    const outcome = await gw.gateway.relay(ctx, "prompts/get", { name: "no-such-prompt" }).then(
      (r) => r,
      (e: unknown) => e as { code?: unknown },
    );
    await gw.core.telemetry.flush();
    const spans = jsonSpans(receiver.exports).filter((s) => s.name === "prompts/get no-such-prompt");
    expect(attr(spans[0], "gen_ai.prompt.name")).toBe("no-such-prompt");
    expect(spans.map((s) => s.kind).sort()).toEqual([SERVER, CLIENT]);
    const code = String((outcome as { code?: unknown }).code);
    expect(code).toMatch(/^-32\d{3}$/);
    for (const span of spans) {
      expect(attr(span, "error.type")).toBe(code);
      expect(attr(span, "rpc.response.status_code")).toBe(code);
      expect(span.status?.code).toBe(ERROR);
      expect(attr(span, "mcp_gateway.surface")).toBe("direct");
    }
  });

  test("metrics mirror /metrics and add the conventions' duration histograms", async () => {
    await gw.core.telemetry.flush();
    const names = jsonMetricNames(receiver.exports);
    expect(names.has("mcp_gateway_requests_total")).toBe(true);
    expect(names.has("mcp_gateway_backend_state")).toBe(true);
    expect(names.has("mcp.server.operation.duration")).toBe(true);
    expect(names.has("mcp.client.operation.duration")).toBe(true);
    const resource = JSON.parse(
      new TextDecoder().decode(receiver.exports.find((e) => e.path === "/v1/metrics")?.body),
    ) as {
      resourceMetrics: { resource: { attributes: { key: string; value: { stringValue?: string } }[] } }[];
    };
    const service = resource.resourceMetrics[0]?.resource.attributes.find((a) => a.key === "service.name");
    expect(service?.value.stringValue).toBe("gateway-under-test");
  });
});

describe("OpenTelemetry over OTLP/HTTP protobuf (the default protocol)", () => {
  test("spans arrive protobuf-encoded and decode to the same names", async () => {
    const proto = startOtlpReceiver();
    const other = await startTracedGateway(
      `backends:\n  local:\n    command: '${serverCommand("everything", "stdio")}'\n`,
      { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${proto.endpoint}/v1/traces`, OTEL_METRICS_EXPORTER: "none" },
    );
    try {
      expect(other.core.telemetry.settings?.metrics).toBeUndefined();
      await metaCall(other.gateway, "gateway_invoke", {
        server: "local",
        tool: "echo",
        arguments: { message: "x" },
      });
      await other.core.telemetry.flush();
      await waitFor("a protobuf export", async () => (proto.exports.length > 0 ? true : undefined));
      expect(proto.exports.every((e) => e.contentType === "application/x-protobuf")).toBe(true);
      expect(proto.exports.every((e) => e.path === "/v1/traces")).toBe(true);
      const spans = protobufSpans(proto.exports);
      expect(
        spans
          .filter((s) => s.name === "tools/call echo")
          .map((s) => s.kind)
          .sort(),
      ).toEqual([SERVER, CLIENT]);
    } finally {
      await other.stop();
      await proto.stop();
    }
  });
});

describe("OpenTelemetry off", () => {
  test("without OTEL_* nothing is loaded and calls are not traced", async () => {
    const off = await startTracedGateway(
      `backends:\n  local:\n    command: '${serverCommand("everything", "stdio")}'\n`,
      {},
    );
    try {
      expect(off.core.telemetry.settings).toBeUndefined();
      expect(off.core.telemetry.tracer).toBeUndefined();
      const result = await metaCall(off.gateway, "gateway_invoke", {
        server: "local",
        tool: "get-sum",
        arguments: { a: 1, b: 1 },
      });
      expect(result.isError).toBeFalsy();
    } finally {
      await off.stop();
    }
  });
});
