import {
  type AuthInfo,
  createMcpHandler,
  isLegacyRequest,
  type McpHttpHandler,
} from "@modelcontextprotocol/server";
import { ANONYMOUS, type Principal, type Surface } from "../../gateway/call-context.ts";
import type { Gateway } from "../../gateway/gateway.ts";
import { log } from "../../log.ts";
import { createStatelessServer, statelessOperations } from "../stateless-server.ts";

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

/**
 * The 2026-07-28 side of `/mcp` and `/mcp/{backend}`: one SDK 2.x handler per endpoint (header checks,
 * envelope and version checks, `server/discover`, JSON or per-request event stream, cancel on disconnect),
 * and a fresh stateless server per request on the same operations the 2025 sessions use.
 */
export class StatelessEndpoints {
  readonly #gateway: Gateway;
  readonly #maxBodySize: number;
  readonly #handlers = new Map<string, McpHttpHandler>();

  constructor(gateway: Gateway, options: { maxBodySize: number }) {
    this.#gateway = gateway;
    this.#maxBodySize = options.maxBodySize;
  }

  /** Answers one 2026-07-28 request whose body was already read (and bounded) by the caller. */
  serve(request: Request, body: unknown, target: StatelessTarget): Promise<Response> {
    return this.#handler(target).fetch(request, {
      parsedBody: body,
      authInfo: authInfoOf(target.principal),
    });
  }

  #handler({ endpoint, surface }: StatelessTarget): McpHttpHandler {
    let handler = this.#handlers.get(endpoint);
    if (!handler) {
      const operations = statelessOperations(this.#gateway, surface);
      handler = createMcpHandler(
        (ctx) => createStatelessServer(operations, surface, { principal: principalOf(ctx.authInfo) }),
        {
          legacy: "reject",
          maxRequestBodySize: this.#maxBodySize,
          onerror: (error) => log.debug(`2026-07-28 request on ${endpoint}: ${error.message}`),
        },
      );
      this.#handlers.set(endpoint, handler);
    }
    return handler;
  }

  /** Aborts the stateless requests in flight (their streams end). */
  async closeAll(): Promise<void> {
    const handlers = [...this.#handlers.values()];
    this.#handlers.clear();
    await Promise.all(handlers.map((h) => h.close().catch(() => undefined)));
  }
}
