import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { LATEST_PROTOCOL_VERSION } from "@modelcontextprotocol/sdk/types.js";
import type { ConsolaInstance } from "consola";
import { GatewayError } from "../errors.ts";
import { backendFetch } from "../firewall/guarded-fetch.ts";
import type { SsrfSettings } from "../firewall/ssrf.ts";
import { redactUrl } from "../redact.ts";
import { tracedFetch } from "../telemetry/trace-context.ts";
import type { TransportKind } from "./backend.ts";
import { probePost, readLimited, speaksModern } from "./modern-probe.ts";
import { ModernTransport } from "./modern-transport.ts";
import { isSseUrl } from "./sse-url.ts";
import type { BackendTransport } from "./transport.ts";

/** Options for reaching an HTTP backend. */
export interface HttpBackendOptions {
  url: URL;
  headers: Record<string, string>;
  /** Forced transport; undefined means detect (URLs ending in /sse are legacy SSE). */
  transport?: TransportKind | undefined;
  fetch?: typeof fetch;
  /** The SSRF guard on redirects away from `url`'s host (the backend's name in findings). @default block */
  ssrf?: { settings: SsrfSettings; name: string; log?: ConsolaInstance } | undefined;
}

// GET streams that go quiet are cut by proxies (and by Bun's fetch after ~300 s); keep re-opening them
// with the last event id rather than giving up after the SDK's default two retries.
const RECONNECT = {
  initialReconnectionDelay: 500,
  maxReconnectionDelay: 30_000,
  reconnectionDelayGrowFactor: 1.5,
  maxRetries: 1_000_000,
};

function withKind<T extends BackendTransport>(transport: T, kind: TransportKind): T {
  Object.defineProperty(transport, "kind", { value: kind, configurable: true });
  return transport;
}

/**
 * Asks an unknown HTTP server which transport it speaks, as the spec describes for backwards
 * compatibility: POST an initialize; a 4xx of 400/404/405 means the legacy HTTP+SSE transport, unless its
 * body is a 2026-07-28 error (a modern-only server: refused, naming its versions). A probe session that was
 * created is deleted again.
 * @throws GatewayError BACKEND_UNAVAILABLE when the server cannot be reached or speaks only 2026-07-28
 */
export async function probeTransport(options: HttpBackendOptions): Promise<TransportKind> {
  const doFetch = options.fetch ?? fetch;
  const response = await probePost(options, {
    headers: {},
    body: {
      jsonrpc: "2.0",
      id: "mcp-gateway-probe",
      method: "initialize",
      params: {
        protocolVersion: LATEST_PROTOCOL_VERSION,
        capabilities: {},
        clientInfo: { name: "mcp-gateway-probe", version: "1" },
      },
    },
  });
  if ([400, 404, 405].includes(response.status)) {
    const modern = modernRefusal(await readLimited(response, 65_536));
    if (modern) {
      throw new GatewayError(
        "BACKEND_UNAVAILABLE",
        `${redactUrl(options.url)} refused initialize, naming only MCP ${modern.join(", ")}, yet did not ` +
          "answer server/discover with a revision the gateway speaks (2026-07-28)",
      );
    }
    return "sse";
  }
  await response.body?.cancel().catch(() => undefined);
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

/** Errors only a 2026-07-28 (or later) server sends: header mismatch, missing capability, unsupported version. */
const MODERN_ERROR_CODES = new Set([-32020, -32021, -32022]);

/**
 * The versions a modern-only server names when it refuses `initialize` (a recognized 2026-07-28 error, so
 * falling back to the legacy SSE transport would be wrong), or undefined for any other answer.
 */
function modernRefusal(body: string): string[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const error = (parsed as { error?: { code?: unknown; data?: { supported?: unknown } } } | null)?.error;
  if (typeof error?.code !== "number" || !MODERN_ERROR_CODES.has(error.code)) return undefined;
  const supported = error.data?.supported;
  return Array.isArray(supported) && supported.every((v) => typeof v === "string")
    ? supported
    : ["2026-07-28"];
}

/**
 * Builds the SDK client transport for an HTTP backend, detecting the kind once and remembering it: a server
 * that answers `server/discover` with 2026-07-28 is spoken to in that revision ({@link ModernTransport}),
 * anything else as before (the `initialize` probe: Streamable HTTP or legacy SSE).
 */
export function httpTransportFactory(given: HttpBackendOptions): () => Promise<BackendTransport> {
  const { ssrf } = given;
  const guarded = backendFetch(given.url, { ...given, ...ssrf, subject: ssrf?.name });
  const options = { ...given, fetch: tracedFetch(guarded) };
  let kind = options.transport;
  if (!kind && isSseUrl(options.url)) kind = "sse";
  let modern: boolean | undefined = kind === "sse" ? false : undefined;
  return async () => {
    modern ??= await speaksModern(options);
    if (modern) return modernHttpTransport(options);
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

/** A 2026-07-28 backend over Streamable HTTP, through the SDK 2.x client transport. */
function modernHttpTransport(options: HttpBackendOptions): BackendTransport {
  return new ModernTransport({
    kind: "streamable-http",
    connect: async () => {
      const { StreamableHTTPClientTransport: ModernHttp } = await import("@modelcontextprotocol/client");
      return new ModernHttp(options.url, {
        requestInit: { headers: options.headers },
        ...(options.fetch ? { fetch: options.fetch } : {}),
      });
    },
  });
}
