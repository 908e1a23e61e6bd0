import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { type JSONRPCMessage, JSONRPCMessageSchema } from "@modelcontextprotocol/sdk/types.js";
import type { Server as BunServer, ServerWebSocket, WebSocketHandler } from "bun";
import type { Principal, Surface } from "../../gateway/call-context.ts";
import type { Gateway } from "../../gateway/gateway.ts";
import { type TraceCarrier, traceFromHeaders, traceIncomingMessages } from "../../telemetry/trace-context.ts";
import { jsonRpcError } from "../http/json-rpc-error.ts";
import type { SessionLimits } from "../http/sessions.ts";
import { jsonShapeProblem, textShapeProblem } from "../json-shape.ts";
import { createSessionServer } from "../session-server.ts";
import { WebSocketServerTransport } from "./transport.ts";

/** The subprotocol a client must offer (the SDK's `WebSocketClientTransport` does). */
export const MCP_SUBPROTOCOL = "mcp";

/** One MCP session on one WebSocket. */
interface WsSession {
  transport: WebSocketServerTransport;
  server: Server;
  lastSeen: number;
  /** True once the client sent a request after initialize (until then the shorter unused timeout holds). */
  used: boolean;
  /** Ids of the client's requests not answered yet. */
  pending: Set<string | number>;
}

/** What each socket carries from its upgrade to its handlers. */
export interface WsData {
  principal: Principal;
  /** What the session shows: the front end's `/ws` surface, or one backend's own (`/ws/{backend}`). */
  surface?: Surface | undefined;
  /** The upgrade's W3C trace context: the parent of calls whose message carries none of its own. */
  trace?: TraceCarrier | undefined;
  session?: WsSession;
}

/**
 * Limits of WebSocket sessions, as the HTTP session store's (the front end fills both from the `server`
 * config): `maxBodySize` bounds one frame (Bun closes the connection with 1009 past it), `maxSessions` the
 * open sockets (503 past it).
 */
export type WsLimits = SessionLimits;

type Socket = ServerWebSocket<WsData>;

/** The request ids of one frame's messages (requests only: notifications and answers have none to track). */
function requestIds(messages: readonly JSONRPCMessage[]): (string | number)[] {
  return messages.flatMap((m) => ("method" in m && "id" in m ? [m.id as string | number] : []));
}

/** One frame's JSON-RPC messages (one, or a batch), or the JSON-RPC error to answer it with. */
function parseFrame(
  data: string | Buffer,
): { messages: JSONRPCMessage[] } | { error: { code: number; message: string } } {
  const deep = textShapeProblem(data);
  if (deep) return { error: { code: -32600, message: `Invalid Request: the frame ${deep}` } };
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof data === "string" ? data : new TextDecoder().decode(data));
  } catch {
    return { error: { code: -32700, message: "Parse error: the frame is not valid JSON" } };
  }
  const shape = jsonShapeProblem(parsed);
  if (shape) return { error: { code: -32600, message: `Invalid Request: the frame ${shape}` } };
  const messages: JSONRPCMessage[] = [];
  for (const item of Array.isArray(parsed) ? parsed : [parsed]) {
    const checked = JSONRPCMessageSchema.safeParse(item);
    if (!checked.success)
      return { error: { code: -32600, message: "Invalid Request: not a JSON-RPC 2.0 message" } };
    messages.push(checked.data);
  }
  return { messages };
}

/**
 * MCP over WebSocket at `/ws` on the front end's `Bun.serve`: the upgrade (after the router's Host/Origin
 * guard and auth), then one SDK session server per connection on the same surface, facade and limits as a
 * Streamable HTTP session — frame size, JSON depth, request ids in flight, idle expiry, the session cap.
 */
export class WsSessions {
  readonly #gateway: Gateway;
  readonly #surface: Surface;
  readonly #limits: WsLimits;
  readonly #now: () => number;
  readonly #sockets = new Set<Socket>();
  #server: BunServer<WsData> | undefined;

  constructor(gateway: Gateway, surface: Surface, limits: WsLimits) {
    this.#gateway = gateway;
    this.#surface = surface;
    this.#limits = limits;
    this.#now = limits.now ?? Date.now;
  }

  get size(): number {
    return this.#sockets.size;
  }

  /** Binds the `Bun.serve` whose `upgrade` the sessions use (it exists only after the router is built). */
  listen(server: BunServer<WsData>): void {
    this.#server = server;
  }

  /** The `websocket` handlers to give `Bun.serve`. */
  get handlers(): WebSocketHandler<WsData> {
    return {
      maxPayloadLength: this.#limits.maxBodySize,
      // Bun pings a quiet connection and drops one that stops answering; MCP idleness is swept below.
      idleTimeout: 120,
      backpressureLimit: 16 * 1024 * 1024,
      closeOnBackpressureLimit: true,
      open: (ws) => this.#open(ws),
      message: (ws, data) => this.#message(ws, data),
      close: (ws) => this.#closed(ws),
    };
  }

  /**
   * Upgrades `GET /ws` (or `/ws/{backend}` with its direct `surface`) to a WebSocket session for
   * `principal`, or answers why not: 426 without an upgrade request, 400 without the `mcp` subprotocol, 503
   * at the session cap.
   */
  upgrade(request: Request, principal: Principal, surface?: Surface): Response | undefined {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return jsonRpcError(426, -32000, "Upgrade Required: /ws serves MCP over WebSocket only", {
        upgrade: "websocket",
      });
    }
    const offered = (request.headers.get("sec-websocket-protocol") ?? "").split(",").map((p) => p.trim());
    if (!offered.includes(MCP_SUBPROTOCOL)) {
      return jsonRpcError(
        400,
        -32000,
        `Bad Request: offer the WebSocket subprotocol "${MCP_SUBPROTOCOL}" (Sec-WebSocket-Protocol: ${MCP_SUBPROTOCOL})`,
      );
    }
    if (this.#sockets.size >= (this.#limits.maxSessions ?? Number.POSITIVE_INFINITY)) {
      return jsonRpcError(503, -32000, "Too many open WebSocket sessions: try again shortly", {
        "retry-after": "5",
      });
    }
    const upgraded = this.#server?.upgrade(request, {
      data: { principal, surface, trace: traceFromHeaders(request.headers) },
      headers: { "sec-websocket-protocol": MCP_SUBPROTOCOL },
    });
    if (!upgraded) return jsonRpcError(400, -32000, "Bad Request: the WebSocket handshake failed");
    return undefined;
  }

  #open(ws: Socket): void {
    const transport = new WebSocketServerTransport(ws);
    const server = createSessionServer(this.#gateway, ws.data.surface ?? this.#surface, {
      label: "ws",
      principal: ws.data.principal,
    });
    const session: WsSession = {
      transport,
      server,
      lastSeen: this.#now(),
      used: false,
      pending: new Set(),
    };
    // An answer (result or error) ends its request's time in flight.
    const send = transport.send.bind(transport);
    transport.send = (message) => {
      if ("id" in message && !("method" in message)) session.pending.delete(message.id as string | number);
      return send(message);
    };
    ws.data.session = session;
    this.#sockets.add(ws);
    // connect() sets the transport's handlers before its first await, so no frame can arrive unheard.
    void server.connect(transport);
    // Each call's spans hang under its message's `_meta.traceparent`, else under the upgrade's header.
    traceIncomingMessages(transport, ws.data.trace);
  }

  #message(ws: Socket, data: string | Buffer): void {
    const session = ws.data.session;
    if (!session) return;
    session.lastSeen = this.#now();
    const refuse = (code: number, message: string, id: string | number | null = null): void => {
      ws.send(JSON.stringify({ jsonrpc: "2.0", id, error: { code, message } }));
    };
    const frame = parseFrame(data);
    if ("error" in frame) {
      refuse(frame.error.code, frame.error.message);
      return;
    }
    const { messages } = frame;
    for (const m of messages) {
      // A cancelled request gets no answer: it is no longer in flight.
      const cancelled =
        "method" in m && m.method === "notifications/cancelled" ? m.params?.requestId : undefined;
      if (typeof cancelled === "string" || typeof cancelled === "number") session.pending.delete(cancelled);
    }
    const ids = requestIds(messages);
    const duplicate = ids.find((id, i) => session.pending.has(id) || ids.indexOf(id) !== i);
    if (duplicate !== undefined) {
      const text = `Request id ${JSON.stringify(duplicate)} is already in flight on this session: use a new id`;
      refuse(-32600, text, duplicate);
      return;
    }
    for (const id of ids) session.pending.add(id);
    if (ids.length > 0 && !messages.some((m) => "method" in m && m.method === "initialize")) {
      session.used = true;
    }
    for (const message of messages) session.transport.receive(message);
  }

  /** A dropped connection cancels what it was waiting for, so backends stop working on it too. */
  #closed(ws: Socket): void {
    this.#sockets.delete(ws);
    const session = ws.data.session;
    if (!session) return;
    for (const requestId of session.pending) {
      session.transport.receive({
        jsonrpc: "2.0",
        method: "notifications/cancelled",
        params: { requestId, reason: "client disconnected" },
      });
    }
    session.pending.clear();
    session.transport.closed();
  }

  /** Closes sessions idle past their timeout (nothing in flight), as the HTTP session store does. */
  sweep(): number {
    const { idleTimeoutMs = 0, unusedTimeoutMs = 0 } = this.#limits;
    const at = this.#now();
    let closed = 0;
    for (const ws of [...this.#sockets]) {
      const s = ws.data.session;
      if (!s) continue;
      const limit = s.used ? idleTimeoutMs : unusedTimeoutMs || idleTimeoutMs;
      if (limit > 0 && s.pending.size === 0 && at - s.lastSeen >= limit) {
        ws.close(1000, "idle timeout");
        this.#closed(ws);
        closed++;
      }
    }
    return closed;
  }

  /** Closes every session (shutdown). */
  closeAll(): void {
    for (const ws of [...this.#sockets]) {
      ws.close(1001, "gateway shutting down");
      this.#closed(ws);
    }
  }
}
