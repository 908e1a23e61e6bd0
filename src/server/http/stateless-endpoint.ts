import type { AuthInfo, McpHttpHandler } from "@modelcontextprotocol/server";
import { ANONYMOUS, type Principal, type Surface } from "../../gateway/call-context.ts";
import type { Gateway } from "../../gateway/gateway.ts";
import { log } from "../../log.ts";
import { surfaceOperations } from "../handlers/operations.ts";
import { InputRounds } from "../input-rounds.ts";
import { EndpointListen, listenResources, releasingWhenDone, withResources } from "./listen-peer.ts";
import { ParamHeaderCheck } from "./param-check.ts";

// The SDK's 2.x packages (and our stateless server on them) load on the first 2026-07-28 request only: a
// gateway whose clients all speak 2025 never pays their memory or start-up time.
const sdk2 = (): Promise<typeof import("@modelcontextprotocol/server")> =>
  import("@modelcontextprotocol/server");
const statelessServer = (): Promise<typeof import("../stateless-server.ts")> =>
  import("../stateless-server.ts");

const LEGACY_VERSIONS = new Set(["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"]);

/**
 * Whether a session-less request could be 2026-07-28 at all: a protocol-version header naming another
 * revision, or a message whose `_meta` carries a protocol version (the per-request envelope). Everything
 * else (initialize, or no envelope) is legacy without asking the SDK. A superset of the SDK's own test.
 */
function mayBeModern(request: Request, body: unknown): boolean {
  const header = request.headers.get("mcp-protocol-version");
  if (header && !LEGACY_VERSIONS.has(header)) return true;
  return (Array.isArray(body) ? body : [body]).some((message) => {
    const meta = (message as { params?: { _meta?: unknown } } | null)?.params?._meta;
    return (
      typeof meta === "object" &&
      meta !== null &&
      Object.keys(meta).some((k) => k.endsWith("protocolVersion"))
    );
  });
}

/** Where one stateless request goes and who sent it. */
export interface StatelessTarget {
  endpoint: string;
  surface: Surface;
  principal: Principal;
}

/**
 * True for 2026-07-28 traffic: a request carrying the per-request `_meta` envelope (or a modern
 * `MCP-Protocol-Version` header). `initialize`, every request of a 2025 session and anything without the
 * envelope stay on the session path. The SDK's own predicate, so the two never disagree on a request.
 */
export async function isStatelessRequest(request: Request, body: unknown): Promise<boolean> {
  if (!mayBeModern(request, body)) return false;
  const { isLegacyRequest } = await sdk2();
  return !(await isLegacyRequest(request, body));
}

// The auth middleware has already authenticated the request; the principal rides through the SDK handler
// in its pass-through `authInfo` to the server factory.
function authInfoOf(principal: Principal): AuthInfo {
  return { token: "", clientId: principal.id, scopes: [...(principal.scopes ?? [])], extra: { principal } };
}

function principalOf(authInfo: AuthInfo | undefined): Principal {
  return (authInfo?.extra?.principal as Principal | undefined) ?? ANONYMOUS;
}

/** What one endpoint keeps: the SDK handler, its listen peer, its `Mcp-Param-*` check. */
interface Endpoint {
  handler: McpHttpHandler;
  listen: EndpointListen;
  params: ParamHeaderCheck;
}

/**
 * The 2026-07-28 side of `/mcp` and `/mcp/{backend}`: one SDK 2.x handler per endpoint (header checks,
 * envelope and version checks, `server/discover`, JSON or per-request event stream, cancel on disconnect),
 * and a fresh stateless server per request on the same operations the 2025 sessions use.
 */
export class StatelessEndpoints {
  readonly #gateway: Gateway;
  readonly #maxBodySize: number;
  readonly #handlers = new Map<string, Endpoint>();
  readonly #detach: (() => void)[] = [];
  /** Calls of 2026-07-28 clients waiting for their input, shared by every endpoint (and replica). */
  readonly #rounds: InputRounds;

  constructor(gateway: Gateway, options: { maxBodySize: number }) {
    this.#gateway = gateway;
    this.#rounds = new InputRounds({ remote: gateway.cluster?.roundRelay });
    this.#maxBodySize = options.maxBodySize;
  }

  /** Answers one 2026-07-28 request whose body was already read (and bounded) by the caller. */
  async serve(request: Request, body: unknown, target: StatelessTarget): Promise<Response> {
    const { handler, listen, params } = await this.#endpoint(target);
    const authInfo = authInfoOf(target.principal);
    const ctx = { principal: target.principal, session: listen.peer, surface: target.surface };
    const mismatch = await params.reject(request, body, ctx);
    if (mismatch) return mismatch;
    const uris = listenResources(body);
    if (!uris || uris.length === 0) return handler.fetch(request, { parsedBody: body, authInfo });
    // A listen stream for resource updates: the backends are subscribed for as long as it is open, and
    // the stream hears only about the URIs this caller may subscribe.
    const { allowed, release } = await listen.acquire(uris, target.principal);
    const response = await handler.fetch(request, { parsedBody: withResources(body, allowed), authInfo });
    return releasingWhenDone(response, release, request.signal);
  }

  async #endpoint({ endpoint, surface }: StatelessTarget): Promise<Endpoint> {
    let known = this.#handlers.get(endpoint);
    if (!known) {
      const [{ createMcpHandler }, { createStatelessServer, statelessOperations }] = await Promise.all([
        sdk2(),
        statelessServer(),
      ]);
      const operations = statelessOperations(this.#gateway, surface);
      const gateway = this.#gateway;
      const handler = createMcpHandler(
        (ctx) =>
          createStatelessServer(operations, surface, {
            principal: principalOf(ctx.authInfo),
            rounds: this.#rounds,
            // Decided per request: a backend's capabilities are known once it has started.
            tasks: gateway.tasksExtension(surface)
              ? (call, method, params) => gateway.relayExtensionTask(call, method, params)
              : undefined,
          }),
        {
          legacy: "reject",
          maxRequestBodySize: this.#maxBodySize,
          onerror: (error) => log.debug(`2026-07-28 request on ${endpoint}: ${error.message}`),
        },
      );
      const params = new ParamHeaderCheck(this.#gateway);
      const listen = new EndpointListen(endpoint, surface, handler.notify, {
        operations: surfaceOperations(this.#gateway, surface),
        onToolsChanged: () => params.invalidate(),
      });
      known = { handler, listen, params };
      this.#handlers.set(endpoint, known);
      this.#detach.push(this.#gateway.attach(listen.peer));
    }
    return known;
  }

  /** Aborts the stateless requests in flight (their streams end). */
  async closeAll(): Promise<void> {
    const handlers = [...this.#handlers.values()].map((known) => known.handler);
    this.#handlers.clear();
    for (const detach of this.#detach.splice(0)) detach();
    this.#rounds.closeAll();
    await Promise.all(handlers.map((h) => h.close().catch(() => undefined)));
  }
}
