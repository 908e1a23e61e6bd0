import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import type { InitializeClaims } from "../../cluster/session-token.ts";
import type { Principal, Surface } from "../../gateway/call-context.ts";
import { traceOfRequest, withIncomingTrace } from "../../telemetry/trace-context.ts";
import { readJsonBody } from "./body.ts";
import { jsonRpcError } from "./json-rpc-error.ts";
import { answerPost, primeEventStream } from "./prime-stream.ts";
import type { SessionStore } from "./sessions.ts";
import { isStatelessRequest, type StatelessEndpoints } from "./stateless-endpoint.ts";

/** Limits of one Streamable HTTP endpoint. */
export interface McpEndpointOptions {
  maxBodySize: number;
  /** How long a POST body may take to arrive. */
  bodyTimeoutMs: number;
}

/**
 * A client that drops the connection of a POST whose answer is still pending will never read it: cancel
 * those requests as if it had sent notifications/cancelled, so the backend stops working on them too.
 */
function cancelOnDisconnect(
  request: Request,
  body: unknown,
  transport: Transport,
  forget: (id: string | number) => void,
): void {
  const ids = (Array.isArray(body) ? body : [body])
    .filter(
      (m): m is { id: string | number; method: string } =>
        typeof m === "object" && m !== null && "id" in m && "method" in m,
    )
    .map((m) => m.id);
  if (ids.length === 0) return;
  request.signal.addEventListener(
    "abort",
    () => {
      for (const requestId of ids) {
        forget(requestId);
        transport.onmessage?.({
          jsonrpc: "2.0",
          method: "notifications/cancelled",
          params: { requestId, reason: "client disconnected" },
        });
      }
    },
    { once: true },
  );
}

/**
 * An `initialize` request: with an id. The SDK's check looks at the method alone, so an `initialize`
 * notification (no id) would open a session whose answer is a bare 202 without the session id: the client
 * could never use or close it.
 */
function isInitialize(body: unknown): boolean {
  const one = (m: unknown): boolean =>
    isInitializeRequest(m) && (m as { id?: unknown }).id !== undefined && (m as { id?: unknown }).id !== null;
  return Array.isArray(body) ? body.some(one) : one(body);
}

/** The params of a lone initialize request (what a signed session id carries), else undefined. */
function initializeParams(body: unknown): InitializeClaims | undefined {
  if (!isInitializeRequest(body)) return undefined;
  const { protocolVersion, capabilities, clientInfo } = body.params;
  return { protocolVersion, capabilities, clientInfo };
}

function tooManySessions(): Response {
  return jsonRpcError(503, -32000, "Too many open sessions, all busy: try again shortly", {
    "retry-after": "5",
  });
}

/** Where one request on an MCP endpoint goes: the 2025 sessions or the 2026-07-28 stateless handlers. */
export interface McpTarget {
  endpoint: string;
  surface: Surface;
  sessions: SessionStore;
  stateless: StatelessEndpoints;
  principal: Principal;
}

/**
 * Serves one Streamable HTTP request on `endpoint` (`/mcp` or `/mcp/<backend>`): a request carrying the
 * 2026-07-28 `_meta` envelope and no session is answered statelessly; `initialize` opens a 2025 session
 * and a session's requests go to it, as before.
 */
export async function serveMcp(
  request: Request,
  target: McpTarget,
  options: McpEndpointOptions,
): Promise<Response> {
  const { endpoint, surface, sessions, principal } = target;
  const sessionId = request.headers.get("mcp-session-id");
  if (sessionId) {
    let session = sessions.use(sessionId);
    if (!session) {
      // Opened on another replica (or before a restart): a signed id carries what is needed to rebuild it.
      const restored = await sessions.restore(sessionId, endpoint, surface, principal);
      if (restored.ok) session = restored.session;
      else if (restored.reason === "forbidden") {
        return jsonRpcError(403, -32000, "Forbidden: this session belongs to another client");
      } else if (restored.reason === "full") return tooManySessions();
    }
    if (!session || session.endpoint !== endpoint) {
      return jsonRpcError(
        404,
        -32001,
        "Session not found (it expired or the gateway restarted): initialize again",
      );
    }
    // A session belongs to the key that initialized it: a leaked session id is no use with another key.
    if (session.principal.id !== principal.id) {
      return jsonRpcError(403, -32000, "Forbidden: this session belongs to another client");
    }
    if (request.method !== "POST") return primeEventStream(await session.transport.handleRequest(request));
    const body = await readJsonBody(request, options);
    if (body instanceof Response) return body;
    // Answers and cancellations for what another replica's server sent or runs go there through Redis.
    const relayed = await sessions.relay(session, body);
    if (relayed) return relayed;
    const duplicate = sessions.admit(session, body);
    if (duplicate !== undefined) {
      return Response.json(
        {
          jsonrpc: "2.0",
          id: duplicate,
          error: {
            code: -32600,
            message: `Request id ${JSON.stringify(duplicate)} is already in flight on this session: use a new id`,
          },
        },
        { status: 400 },
      );
    }
    cancelOnDisconnect(request, body, session.transport, (id) => sessions.abandon(session, id));
    // The client's trace context (its `_meta.traceparent` or W3C headers) parents the gateway's spans.
    const handled = withIncomingTrace(traceOfRequest(request.headers, body), () =>
      session.transport.handleRequest(request, { parsedBody: body }),
    );
    return answerPost(await handled, { signal: request.signal });
  }
  if (request.method !== "POST") {
    return jsonRpcError(400, -32000, "Bad Request: Mcp-Session-Id header is required");
  }
  const body = await readJsonBody(request, options);
  if (body instanceof Response) return body;
  if (await isStatelessRequest(request, body)) {
    return withIncomingTrace(traceOfRequest(request.headers, body), () =>
      target.stateless.serve(request, body, { endpoint, surface, principal }),
    );
  }
  if (!isInitialize(body)) {
    return jsonRpcError(400, -32000, "Bad Request: Mcp-Session-Id header is required (initialize first)");
  }
  if (!(await sessions.makeRoom())) return tooManySessions();
  const session = await sessions.open(endpoint, surface, principal, initializeParams(body));
  const response = await session.transport.handleRequest(request, { parsedBody: body });
  // An initialize the transport refused (wrong Accept, bad protocol version…) created no session: its
  // server would stay attached to the gateway forever. Nor may a session live whose id the answer does not
  // carry (the client was never told it).
  if (!session.id) await sessions.discard(session);
  else if (response.headers.get("mcp-session-id") !== session.id) await sessions.close(session);
  return answerPost(response, { signal: request.signal });
}
