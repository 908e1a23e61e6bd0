import { ANONYMOUS, type Principal, type Surface } from "../../gateway/call-context.ts";
import type { Gateway } from "../../gateway/gateway.ts";
import { traceOfRequest, withIncomingTrace } from "../../telemetry/trace-context.ts";
import { createSessionServer } from "../session-server.ts";
import { readJsonBody } from "./body.ts";
import { jsonRpcError } from "./json-rpc-error.ts";
import type { McpEndpointOptions } from "./mcp-endpoint.ts";
import { SseServerTransport } from "./sse-transport.ts";

/** Legacy HTTP+SSE sessions (protocol 2024-11-05): `GET /sse` opens one, `POST /message` feeds it. */
export class SseSessions {
  readonly #sessions = new Map<
    string,
    { transport: SseServerTransport; close: () => Promise<void>; principal: Principal }
  >();
  readonly #gateway: Gateway;
  readonly #surface: Surface;

  constructor(gateway: Gateway, surface: Surface) {
    this.#gateway = gateway;
    this.#surface = surface;
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** Opens a session and answers with its event stream. */
  async open(principal: Principal = ANONYMOUS): Promise<Response> {
    const transport = new SseServerTransport("/message");
    const server = createSessionServer(this.#gateway, this.#surface, { label: "sse", principal });
    this.#sessions.set(transport.sessionId, { transport, close: () => server.close(), principal });
    transport.onclose = () => {
      this.#sessions.delete(transport.sessionId);
      void server.close().catch(() => undefined);
    };
    await server.connect(transport);
    return transport.response();
  }

  /** Hands one POSTed message to its session, if it comes from the principal that opened it. */
  async post(
    request: Request,
    options: McpEndpointOptions,
    principal: Principal = ANONYMOUS,
  ): Promise<Response> {
    const id = new URL(request.url).searchParams.get("sessionId") ?? "";
    const entry = this.#sessions.get(id);
    if (!entry) return jsonRpcError(404, -32001, "Session not found: open GET /sse again");
    if (entry.principal.id !== principal.id) {
      return jsonRpcError(403, -32000, "Forbidden: this session belongs to another client");
    }
    const body = await readJsonBody(request, options);
    if (body instanceof Response) return body;
    return withIncomingTrace(traceOfRequest(request.headers, body), () => entry.transport.accept(body));
  }

  async closeAll(): Promise<void> {
    const all = [...this.#sessions.values()];
    this.#sessions.clear();
    await Promise.all(all.map((s) => s.close().catch(() => undefined)));
  }
}
