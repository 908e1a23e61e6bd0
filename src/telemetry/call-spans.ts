import {
  type Attributes,
  type Context,
  context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  type Histogram,
  type Meter,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import type { CallTracer, TracedContext, TracedRequest } from "./call-tracer.ts";
import { incomingTrace, keepIncomingTraces, type TraceCarrier, withTraceparent } from "./trace-context.ts";

type Result = Record<string, unknown>;

/** The MCP method of a request: `tools/call` for tools, the relayed method for the rest. */
function methodOf(request: TracedRequest): string {
  return request.kind === "tool" ? "tools/call" : request.label;
}

/**
 * Attributes of the MCP semantic conventions (OpenTelemetry GenAI/MCP, development status): the method, the
 * tool (`gen_ai.tool.name`, `gen_ai.operation.name` execute_tool), prompt or resource. `mcp.session.id` is
 * the session's label (a hash): the session id itself is a credential and never leaves the gateway.
 */
function requestAttributes(ctx: TracedContext, request: TracedRequest): Attributes {
  const method = methodOf(request);
  const attributes: Attributes = {
    "mcp.method.name": method,
    "mcp.session.id": ctx.session.label,
    "mcp_gateway.backend": request.backend.name,
    "mcp_gateway.surface": ctx.surface.kind,
  };
  if (ctx.requestId !== undefined) attributes["jsonrpc.request.id"] = String(ctx.requestId);
  if (request.kind === "tool") {
    attributes["gen_ai.tool.name"] = request.name;
    attributes["gen_ai.operation.name"] = "execute_tool";
  } else if (method === "prompts/get") attributes["gen_ai.prompt.name"] = request.name;
  else if (method.startsWith("resources/")) attributes["mcp.resource.uri"] = request.name;
  return attributes;
}

/** The span name the conventions ask for: `{method} {tool or prompt}`, else the method alone. */
function spanName(request: TracedRequest): string {
  const method = methodOf(request);
  return request.kind === "tool" || method === "prompts/get" ? `${method} ${request.name}` : method;
}

/** `error.type` of a failed request: `tool_error` for an isError result, else the error's code. */
function failure(
  settled: { result: Result } | { error: unknown },
): { type: string; code?: string } | undefined {
  if ("result" in settled) return settled.result.isError === true ? { type: "tool_error" } : undefined;
  const code = (settled.error as { code?: unknown } | null)?.code;
  if (typeof code === "number") return { type: String(code), code: String(code) };
  if (typeof code === "string") return { type: code };
  return { type: (settled.error as Error | null)?.name ?? "Error" };
}

function end(span: Span, settled: { result: Result } | { error: unknown }): Attributes {
  const failed = failure(settled);
  const attributes: Attributes = {};
  if (failed) {
    attributes["error.type"] = failed.type;
    if (failed.code !== undefined) attributes["rpc.response.status_code"] = failed.code;
    span.setAttributes(attributes);
    const message =
      "error" in settled ? (settled.error as Error | null)?.message : "the tool answered isError";
    span.setStatus({ code: SpanStatusCode.ERROR, ...(message ? { message: message.slice(0, 200) } : {}) });
  }
  span.end();
  return attributes;
}

const propagator = new W3CTraceContextPropagator();

/**
 * The context the request's SERVER span starts in: the client's trace context (HTTP headers or
 * `_meta.traceparent`) as its remote parent when the propagator accepts it; a malformed or unsupported one
 * is ignored by the propagator and the span starts a new trace.
 */
function parentContext(): Context {
  const active = context.active();
  const carrier = incomingTrace();
  if (carrier === undefined) return active;
  // A remote parent replaces whatever span is active: the client's request is where this one comes from.
  return propagator.extract(trace.deleteSpan(active), carrier, defaultTextMapGetter);
}

/** The W3C headers of `span` (and the tracestate it inherited), as the propagator writes them. */
function carrierOf(span: Span): TraceCarrier | undefined {
  const carrier: Record<string, string> = {};
  propagator.inject(trace.setSpan(context.active(), span), carrier, defaultTextMapSetter);
  const { traceparent, tracestate } = carrier;
  return traceparent ? { traceparent, tracestate } : undefined;
}

/**
 * One SERVER span per client request the gateway serves (access, failsafes and every attempt inside it),
 * one CLIENT span per attempt at the backend, and the conventions' duration histograms.
 */
export class OtelCallTracer implements CallTracer {
  readonly #tracer: Tracer;
  readonly #serverDuration: Histogram | undefined;
  readonly #clientDuration: Histogram | undefined;

  constructor(tracer: Tracer, meter: Meter | undefined) {
    this.#tracer = tracer;
    keepIncomingTraces();
    const advice = {
      advice: { explicitBucketBoundaries: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] },
    };
    this.#serverDuration = meter?.createHistogram("mcp.server.operation.duration", {
      unit: "s",
      description: "Duration of MCP requests the gateway served",
      ...advice,
    });
    this.#clientDuration = meter?.createHistogram("mcp.client.operation.duration", {
      unit: "s",
      description: "Duration of MCP requests the gateway sent to backends (each attempt)",
      ...advice,
    });
  }

  trace<O>(
    ctx: TracedContext,
    request: TracedRequest,
    send: (options: O) => Promise<Result>,
    route: (send: (options: O) => Promise<Result>) => Promise<Result>,
  ): Promise<Result> {
    const attributes = requestAttributes(ctx, request);
    const server = this.#tracer.startSpan(
      spanName(request),
      { kind: SpanKind.SERVER, attributes },
      parentContext(),
    );
    const parent = trace.setSpan(context.active(), server);
    const client: Attributes = {
      ...attributes,
      "network.transport": request.backend.transport === "stdio" ? "pipe" : "tcp",
    };
    // Each attempt at the backend: a CLIENT span whose traceparent its HTTP requests (headers) and relayed
    // requests (`_meta`) carry.
    const attempt = (options: O): Promise<Result> => {
      const span = this.#tracer.startSpan(
        spanName(request),
        { kind: SpanKind.CLIENT, attributes: client },
        parent,
      );
      return timed(span, this.#clientDuration, client, () => {
        const carrier = carrierOf(span);
        return carrier ? withTraceparent(carrier, () => send(options)) : send(options);
      });
    };
    return timed(server, this.#serverDuration, attributes, () => route(attempt));
  }
}

/** Runs `work`, then ends its span with the outcome and records its duration. */
async function timed(
  span: Span,
  histogram: Histogram | undefined,
  attributes: Attributes,
  work: () => Promise<Result>,
): Promise<Result> {
  const started = performance.now();
  const record = (outcome: Attributes): void =>
    histogram?.record((performance.now() - started) / 1000, { ...metricAttributes(attributes), ...outcome });
  try {
    const result = await work();
    record(end(span, { result }));
    return result;
  } catch (error) {
    record(end(span, { error }));
    throw error;
  }
}

/** Distinct tool names a duration histogram tells apart; calls to others count as `other`. */
const MAX_TOOL_NAMES = 500;
const toolNames = new Set<string>();

/** The bounded attributes a duration histogram carries (no session or request ids, a bounded tool name). */
function metricAttributes(attributes: Attributes): Attributes {
  const { "mcp.session.id": _, "jsonrpc.request.id": __, "mcp.resource.uri": ___, ...rest } = attributes;
  const tool = rest["gen_ai.tool.name"];
  if (typeof tool === "string" && !toolNames.has(tool)) {
    if (toolNames.size < MAX_TOOL_NAMES) toolNames.add(tool);
    else rest["gen_ai.tool.name"] = "other";
  }
  return rest;
}
