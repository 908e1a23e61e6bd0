import { AsyncLocalStorage } from "node:async_hooks";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";

type HeadersInit = RequestInit["headers"];

/** W3C Trace Context as it travels: the `traceparent` and, when there is one, the `tracestate`. */
export interface TraceCarrier {
  traceparent: string;
  tracestate?: string | undefined;
}

/**
 * The trace context of the backend call running in this async context, for what it sends (HTTP headers,
 * a relayed request's `_meta`). Nothing here loads OpenTelemetry: with telemetry off the store is never
 * entered and every lookup answers undefined.
 */
const current = new AsyncLocalStorage<TraceCarrier>();
let entered = false;

/** Runs `fn` with `carrier` as the context what it sends to a backend carries. */
export function withTraceparent<T>(carrier: TraceCarrier, fn: () => T): T {
  entered = true;
  return current.run(carrier, fn);
}

/** The trace context to send from here, if a traced call is running. */
export function outgoingTrace(): TraceCarrier | undefined {
  return entered ? current.getStore() : undefined;
}

/** The `traceparent` to send from here, if a traced call is running. */
export function outgoingTraceparent(): string | undefined {
  return outgoingTrace()?.traceparent;
}

/** Headers plus `traceparent` (and `tracestate`) when a traced call is running (the input itself otherwise). */
export function withTraceHeader(headers: HeadersInit | undefined): HeadersInit | undefined {
  const carrier = outgoingTrace();
  if (carrier === undefined) return headers;
  const merged = new Headers(headers);
  merged.set("traceparent", carrier.traceparent);
  if (carrier.tracestate) merged.set("tracestate", carrier.tracestate);
  else merged.delete("tracestate");
  return merged;
}

/**
 * A relayed request's `_meta` plus the running call's trace context (the MCP convention for stdio and
 * WebSocket backends, which have no headers per request); `meta` itself when no traced call is running,
 * so with telemetry off the backend receives exactly what it did before.
 *
 * A `traceparent` the client put there is replaced, not kept: the gateway honoured it as the parent of its
 * own spans, so the backend's parent is the gateway's CLIENT span for this attempt and the trace stays one
 * chain (client → gateway request → gateway attempt → backend). Sending the client's would make the
 * backend a sibling of the gateway and hide the attempt it belongs to.
 */
export function withTraceMeta<M extends Record<string, unknown>>(meta: M): M {
  const carrier = outgoingTrace();
  if (carrier === undefined) return meta;
  const { tracestate: _, ...rest } = meta;
  return {
    ...rest,
    traceparent: carrier.traceparent,
    ...(carrier.tracestate ? { tracestate: carrier.tracestate } : {}),
  } as unknown as M;
}

/** A fetch that adds the running call's `traceparent` to every request it sends. */
export function tracedFetch(inner: typeof fetch): typeof fetch {
  const traced = (input: Parameters<typeof fetch>[0], init?: RequestInit): Promise<Response> => {
    if (outgoingTraceparent() === undefined) return inner(input, init);
    if (input instanceof Request && init?.headers === undefined) {
      return inner(new Request(input, { headers: withTraceHeader(input.headers) }), init);
    }
    return inner(input, { ...init, headers: withTraceHeader(init?.headers) });
  };
  return Object.assign(traced, { preconnect: inner.preconnect }) as typeof fetch;
}

// ---- incoming: the client's trace context, the remote parent of the gateway's spans ----

/**
 * The trace context a client sent with the request being served: entered by the front ends around the
 * handling of one HTTP request or one message, read by the tracer when it starts the request's span. It is
 * only a candidate: the tracer's W3C propagator decides whether it is valid (a malformed one is ignored).
 */
const incoming = new AsyncLocalStorage<TraceCarrier>();
let incomingEntered = false;
/** Set once a tracer exists (`call-spans.ts`): with telemetry off a client's traceparent is not kept. */
let incomingKept = false;

/** From now on the front ends keep the trace context clients send (called when tracing starts). */
export function keepIncomingTraces(): void {
  incomingKept = true;
}

/**
 * Runs `fn` with `carrier` as the client's trace context, when there is one and tracing is on; `fn()` alone
 * otherwise (no async context entered).
 */
export function withIncomingTrace<T>(carrier: TraceCarrier | undefined, fn: () => T): T {
  if (carrier === undefined || !incomingKept) return fn();
  incomingEntered = true;
  return incoming.run(carrier, fn);
}

/** The client's trace context of the request being served, if it sent one. */
export function incomingTrace(): TraceCarrier | undefined {
  return incomingEntered ? incoming.getStore() : undefined;
}

/** The `traceparent`/`tracestate` headers of a request (or a WebSocket upgrade), if it has them. */
export function traceFromHeaders(headers: Headers): TraceCarrier | undefined {
  const traceparent = headers.get("traceparent");
  if (!traceparent) return undefined;
  return { traceparent, tracestate: headers.get("tracestate") ?? undefined };
}

/** `params._meta.traceparent`/`tracestate` of a JSON-RPC request (the MCP convention), if it has them. */
export function traceFromMessage(message: unknown): TraceCarrier | undefined {
  const params = (message as { params?: unknown } | null)?.params;
  const meta = (params as { _meta?: unknown } | null | undefined)?._meta;
  const traceparent = (meta as { traceparent?: unknown } | null | undefined)?.traceparent;
  if (typeof traceparent !== "string") return undefined;
  const tracestate = (meta as { tracestate?: unknown }).tracestate;
  return { traceparent, tracestate: typeof tracestate === "string" ? tracestate : undefined };
}

/**
 * The trace context of one HTTP request's body: a lone message's `_meta` wins over the request's headers
 * (it is the more specific of the two); a batch falls back to the headers.
 */
export function traceOfRequest(headers: Headers, body: unknown): TraceCarrier | undefined {
  return (Array.isArray(body) ? undefined : traceFromMessage(body)) ?? traceFromHeaders(headers);
}

/**
 * Makes each message a connected transport delivers run with its trace context: its `_meta.traceparent`,
 * else `fallback` (a WebSocket's upgrade headers). Call after `Server.connect(transport)`. Front ends
 * without per-request headers (stdio, WebSocket) use it.
 */
export function traceIncomingMessages(transport: Transport, fallback?: TraceCarrier): void {
  const deliver = transport.onmessage;
  if (!deliver) return;
  transport.onmessage = (message, extra) =>
    withIncomingTrace(traceFromMessage(message) ?? fallback, () => deliver(message, extra));
}
