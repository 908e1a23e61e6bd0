import type { AuthInfo, McpHttpHandler, ServerNotifier } from "@modelcontextprotocol/server";
import { ANONYMOUS, type Principal, type Surface } from "../../gateway/call-context.ts";
import type { Gateway } from "../../gateway/gateway.ts";
import type { SessionPeer } from "../../gateway/session-hub.ts";
import { log } from "../../log.ts";
import { InputRounds } from "../input-rounds.ts";

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

const CHANGED: Record<string, keyof ServerNotifier> = {
  "notifications/tools/list_changed": "toolsChanged",
  "notifications/resources/list_changed": "resourcesChanged",
  "notifications/prompts/list_changed": "promptsChanged",
};

/**
 * One endpoint's `subscriptions/listen` streams as a peer of the session hub: the list changes the hub
 * fans out to the sessions of this surface are published to the SDK handler's event bus, which sends them
 * on every open stream whose filter asked for them (the SDK keeps the streams and the filters).
 */
function listenPeer(endpoint: string, surface: Surface, notifier: ServerNotifier): SessionPeer {
  return {
    label: `listen ${endpoint}`,
    backend: surface.kind === "direct" ? surface.backend : undefined,
    meta: surface.kind === "meta",
    logLevel: undefined,
    subscriptions: new Set(),
    notify: async (notification) => {
      const publish = CHANGED[notification.method];
      if (publish === "toolsChanged" || publish === "resourcesChanged" || publish === "promptsChanged") {
        notifier[publish]();
      }
    },
    request: () => Promise.reject(new Error("a listen stream takes no requests")),
    clientCapabilities: () => undefined,
  };
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
  readonly #detach: (() => void)[] = [];
  /** Calls of 2026-07-28 clients waiting for their input, shared by every endpoint. */
  readonly #rounds = new InputRounds();

  constructor(gateway: Gateway, options: { maxBodySize: number }) {
    this.#gateway = gateway;
    this.#maxBodySize = options.maxBodySize;
  }

  /** Answers one 2026-07-28 request whose body was already read (and bounded) by the caller. */
  async serve(request: Request, body: unknown, target: StatelessTarget): Promise<Response> {
    const handler = await this.#handler(target);
    return handler.fetch(request, { parsedBody: body, authInfo: authInfoOf(target.principal) });
  }

  async #handler({ endpoint, surface }: StatelessTarget): Promise<McpHttpHandler> {
    let handler = this.#handlers.get(endpoint);
    if (!handler) {
      const [{ createMcpHandler }, { createStatelessServer, statelessOperations }] = await Promise.all([
        sdk2(),
        statelessServer(),
      ]);
      const operations = statelessOperations(this.#gateway, surface);
      handler = createMcpHandler(
        (ctx) =>
          createStatelessServer(operations, surface, {
            principal: principalOf(ctx.authInfo),
            rounds: this.#rounds,
          }),
        {
          legacy: "reject",
          maxRequestBodySize: this.#maxBodySize,
          onerror: (error) => log.debug(`2026-07-28 request on ${endpoint}: ${error.message}`),
        },
      );
      this.#handlers.set(endpoint, handler);
      this.#detach.push(this.#gateway.attach(listenPeer(endpoint, surface, handler.notify)));
    }
    return handler;
  }

  /** Aborts the stateless requests in flight (their streams end). */
  async closeAll(): Promise<void> {
    const handlers = [...this.#handlers.values()];
    this.#handlers.clear();
    for (const detach of this.#detach.splice(0)) detach();
    this.#rounds.closeAll();
    await Promise.all(handlers.map((h) => h.close().catch(() => undefined)));
  }
}
