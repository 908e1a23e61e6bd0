import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { LATEST_PROTOCOL_VERSION } from "@modelcontextprotocol/sdk/types.js";
import { errorMessage, GatewayError } from "../errors.ts";
import { redactUrl } from "../redact.ts";
import type { TransportKind } from "./backend.ts";
import type { BackendTransport } from "./transport.ts";

/** Options for reaching an HTTP backend. */
export interface HttpBackendOptions {
  url: URL;
  headers: Record<string, string>;
  /** Forced transport; undefined means detect (URLs ending in /sse are legacy SSE). */
  transport?: TransportKind | undefined;
  fetch?: typeof fetch;
}

// GET streams that go quiet are cut by proxies (and by Bun's fetch after ~300 s); keep re-opening them
// with the last event id rather than giving up after the SDK's default two retries.
const RECONNECT = {
  initialReconnectionDelay: 500,
  maxReconnectionDelay: 30_000,
  reconnectionDelayGrowFactor: 1.5,
  maxRetries: 1_000_000,
};

/** URLs ending in `/sse` are the legacy HTTP+SSE transport by convention; no probe needed. */
export function isSseUrl(url: URL): boolean {
  return url.pathname.replace(/\/+$/, "").endsWith("/sse");
}

function withKind<T extends BackendTransport>(transport: T, kind: TransportKind): T {
  Object.defineProperty(transport, "kind", { value: kind, configurable: true });
  return transport;
}

/**
 * Asks an unknown HTTP server which transport it speaks, as the spec describes for backwards
 * compatibility: POST an initialize; a 4xx of 400/404/405 means the legacy HTTP+SSE transport. A probe
 * session that was created is deleted again.
 */
export async function probeTransport(options: HttpBackendOptions): Promise<TransportKind> {
  const doFetch = options.fetch ?? fetch;
  let response: Response;
  try {
    response = await doFetch(options.url, {
      method: "POST",
      headers: {
        ...options.headers,
        accept: "application/json, text/event-stream",
        "content-type": "application/json",
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: "mcp-gateway-probe",
        method: "initialize",
        params: {
          protocolVersion: LATEST_PROTOCOL_VERSION,
          capabilities: {},
          clientInfo: { name: "mcp-gateway-probe", version: "1" },
        },
      }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (cause) {
    throw new GatewayError(
      "BACKEND_UNAVAILABLE",
      `cannot reach ${redactUrl(options.url)}: ${errorMessage(cause)}`,
      {
        cause,
      },
    );
  }
  await response.body?.cancel().catch(() => undefined);
  if ([400, 404, 405].includes(response.status)) return "sse";
  const session = response.headers.get("mcp-session-id");
  if (session) {
    await doFetch(options.url, {
      method: "DELETE",
      headers: { ...options.headers, "mcp-session-id": session },
    })
      .then((r) => r.body?.cancel())
      .catch(() => undefined);
  }
  return "streamable-http";
}

/** Builds the SDK client transport for an HTTP backend, detecting the kind once and remembering it. */
export function httpTransportFactory(options: HttpBackendOptions): () => Promise<BackendTransport> {
  let kind = options.transport;
  if (!kind && isSseUrl(options.url)) kind = "sse";
  return async () => {
    kind ??= await probeTransport(options);
    const requestInit = { headers: options.headers };
    const extra = options.fetch ? { fetch: options.fetch } : {};
    if (kind === "sse")
      return withKind(new SSEClientTransport(options.url, { requestInit, ...extra }), "sse");
    return withKind(
      new StreamableHTTPClientTransport(options.url, {
        requestInit,
        reconnectionOptions: RECONNECT,
        ...extra,
      }),
      "streamable-http",
    );
  };
}
