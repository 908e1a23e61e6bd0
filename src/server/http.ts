import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import type { Server as BunServer } from "bun";
import type { Gateway } from "../gateway.ts";
import { log } from "../log.ts";
import { PROMETHEUS_CONTENT_TYPE } from "../metrics/prometheus.ts";
import { didYouMean } from "../suggest.ts";
import type { EarlyListener, ListenerRoutes } from "./early-listen.ts";
import { healthReport, metricsText } from "./health.ts";
import { SessionHub } from "./hub.ts";
import { rejectForeignOrigin } from "./origin.ts";
import type { Surface } from "./session-server.ts";
import { createSessionServer } from "./session-server.ts";
import { SessionStore } from "./sessions.ts";
import { SseServerTransport } from "./sse.ts";

/** Options for the HTTP front end; unset fields come from the gateway's `server` config. */
export interface HttpFrontEndOptions {
  host?: string;
  port?: number;
  /** What `/mcp` shows: the meta-tools or every tool (transparent). */
  surface: Surface;
  maxBodySize?: number;
  allowedOrigins?: readonly string[];
  /** Clock for session idle expiry. @default Date.now */
  now?: () => number;
  /** A server `listenEarly` already bound (answering /health as "starting"); it gets these routes. */
  listener?: EarlyListener;
}

/** A running HTTP front end. */
export interface HttpFrontEnd {
  url: URL;
  sessions: SessionStore;
  /**
   * Stops listening, lets calls in flight finish (up to `graceMs`), then closes every session.
   * @default graceMs 0
   */
  stop(options?: { graceMs?: number }): Promise<void>;
}

function jsonRpcError(
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return Response.json(
    { jsonrpc: "2.0", error: { code, message }, id: null },
    { status, headers: { ...headers } },
  );
}

async function readJsonBody(request: Request, maxBodySize: number): Promise<unknown | Response> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > maxBodySize) return jsonRpcError(413, -32600, `Request body exceeds ${maxBodySize} bytes`);
  const bytes = new Uint8Array(await request.arrayBuffer());
  if (bytes.byteLength > maxBodySize)
    return jsonRpcError(413, -32600, `Request body exceeds ${maxBodySize} bytes`);
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return jsonRpcError(400, -32700, "Parse error: the body is not valid JSON");
  }
}

/**
 * A client that drops the connection of a POST whose answer is still pending will never read it: cancel
 * those requests as if it had sent notifications/cancelled, so the backend stops working on them too.
 */
function cancelOnDisconnect(request: Request, body: unknown, transport: Transport): void {
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

function isInitialize(body: unknown): boolean {
  return Array.isArray(body) ? body.some((m) => isInitializeRequest(m)) : isInitializeRequest(body);
}

/** Starts `Bun.serve` with `/mcp`, `/mcp/{backend}` and `/health`. */
export function startHttpFrontEnd(gateway: Gateway, options: HttpFrontEndOptions): HttpFrontEnd {
  const defaults = gateway.config.server;
  const host = options.host ?? defaults.host;
  const maxBodySize = options.maxBodySize ?? defaults.max_body_size;
  const sessions = new SessionStore(gateway, {
    maxBodySize,
    idleTimeoutMs: defaults.session_idle_timeout,
    ...(options.now ? { now: options.now } : {}),
  });
  const sweeper = setInterval(() => void sessions.sweep(), 60_000);
  sweeper.unref?.();
  const policy = { bindHost: host, allowedOrigins: options.allowedOrigins ?? defaults.allowed_origins };

  async function handleMcp(request: Request, endpoint: string, surface: Surface): Promise<Response> {
    if (!["GET", "POST", "DELETE"].includes(request.method)) {
      return jsonRpcError(405, -32000, "Method not allowed", { allow: "GET, POST, DELETE" });
    }
    const sessionId = request.headers.get("mcp-session-id");
    if (sessionId) {
      const session = sessions.use(sessionId);
      if (!session || session.endpoint !== endpoint) {
        return jsonRpcError(
          404,
          -32001,
          "Session not found (it expired or the gateway restarted): initialize again",
        );
      }
      if (request.method !== "POST") return session.transport.handleRequest(request);
      const body = await readJsonBody(request, maxBodySize);
      if (body instanceof Response) return body;
      cancelOnDisconnect(request, body, session.transport);
      return session.transport.handleRequest(request, { parsedBody: body });
    }
    if (request.method !== "POST") {
      return jsonRpcError(400, -32000, "Bad Request: Mcp-Session-Id header is required");
    }
    const body = await readJsonBody(request, maxBodySize);
    if (body instanceof Response) return body;
    if (!isInitialize(body)) {
      return jsonRpcError(400, -32000, "Bad Request: Mcp-Session-Id header is required (initialize first)");
    }
    const session = await sessions.open(endpoint, surface);
    return session.transport.handleRequest(request, { parsedBody: body });
  }

  const sseSessions = new Map<string, { transport: SseServerTransport; close: () => Promise<void> }>();

  async function openSse(): Promise<Response> {
    const transport = new SseServerTransport("/message");
    const session = createSessionServer(gateway, SessionHub.of(gateway), options.surface);
    const entry = { transport, close: () => session.close() };
    sseSessions.set(transport.sessionId, entry);
    transport.onclose = () => {
      sseSessions.delete(transport.sessionId);
      void session.close().catch(() => undefined);
    };
    await session.connect(transport);
    return transport.response();
  }

  async function postSse(request: Request, url: URL): Promise<Response> {
    const id = url.searchParams.get("sessionId") ?? "";
    const entry = sseSessions.get(id);
    if (!entry) return jsonRpcError(404, -32001, "Session not found: open GET /sse again");
    const body = await readJsonBody(request, maxBodySize);
    if (body instanceof Response) return body;
    return entry.transport.accept(body);
  }

  const routes: ListenerRoutes = {
    fetch: async (request) => {
      const url = new URL(request.url);
      const path = url.pathname.replace(/\/+$/, "") || "/";
      if (path === "/health" && request.method === "GET") return Response.json(healthReport(gateway));
      if (path === "/metrics" && request.method === "GET") {
        const text = metricsText(gateway, sessions.size + sseSessions.size);
        return new Response(text, { headers: { "content-type": PROMETHEUS_CONTENT_TYPE } });
      }
      const legacy = path === "/sse" || path === "/message";
      if (path !== "/mcp" && !path.startsWith("/mcp/") && !legacy) {
        return Response.json({ error: `Not found: ${path}. MCP is served at /mcp` }, { status: 404 });
      }
      const rejection = rejectForeignOrigin(request, policy);
      if (rejection) return jsonRpcError(403, -32000, `Forbidden: ${rejection}`);
      if (path === "/sse") {
        return request.method === "GET"
          ? openSse()
          : jsonRpcError(405, -32000, "Use GET /sse", { allow: "GET" });
      }
      if (path === "/message") {
        return request.method === "POST"
          ? postSse(request, url)
          : jsonRpcError(405, -32000, "Use POST /message", { allow: "POST" });
      }
      if (path === "/mcp") return handleMcp(request, path, options.surface);
      const backend = decodeURIComponent(path.slice("/mcp/".length));
      if (!gateway.pool.get(backend)) {
        return jsonRpcError(
          404,
          -32000,
          `Unknown backend "${backend}"${didYouMean(backend, gateway.pool.names)}`,
        );
      }
      return handleMcp(request, path, { kind: "direct", backend });
    },
    error: (error) => {
      log.error(`HTTP handler failed: ${error.message}`);
      return jsonRpcError(500, -32603, "Internal error");
    },
  };
  const server: BunServer<undefined> =
    options.listener?.takeOver(routes) ??
    Bun.serve({
      hostname: host,
      port: options.port ?? defaults.port,
      // SSE streams stay quiet between messages; Bun's default 10 s idle timeout would cut them.
      idleTimeout: 0,
      maxRequestBodySize: maxBodySize + 1024,
      ...routes,
    });

  return {
    url: new URL(`http://${host.includes(":") ? `[${host}]` : host}:${server.port}`),
    sessions,
    stop: async (stopOptions = {}) => {
      // Stop accepting connections; requests already in flight carry on.
      void server.stop(false);
      const grace = stopOptions.graceMs ?? 0;
      if (grace > 0) {
        const hub = SessionHub.of(gateway);
        if (hub.inflight > 0) log.info(`waiting up to ${grace}ms for ${hub.inflight} call(s) in flight`);
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([hub.whenIdle(), new Promise((r) => (timer = setTimeout(r, grace)))]);
        clearTimeout(timer);
        // The last answers are handed to their streams just after the calls return; let them go out.
        await new Promise((r) => setTimeout(r, 100));
      }
      await Promise.all([...sseSessions.values()].map((s) => s.close().catch(() => undefined)));
      clearInterval(sweeper);
      await sessions.closeAll();
      await server.stop(true);
    },
  };
}
