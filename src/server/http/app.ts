import { Hono } from "hono";
import { cors } from "hono/cors";
import type { Auth } from "../../auth/auth.ts";
import { dashboard } from "../../dashboard/routes.ts";
import type { Principal, Surface } from "../../gateway/call-context.ts";
import type { Gateway } from "../../gateway/gateway.ts";
import { log } from "../../log.ts";
import { PROMETHEUS_CONTENT_TYPE } from "../../metrics/prometheus.ts";
import { didYouMean } from "../../suggest.ts";
import { isWebhookPath, serveWebhook } from "../../webhooks/endpoint.ts";
import type { WsSessions } from "../ws/sessions.ts";
import {
  type AppEnv,
  authMiddleware,
  metricsRefused,
  RESOURCE_METADATA_PATH,
  resourceMetadata,
} from "./auth.ts";
import { requestGuard } from "./guard.ts";
import { jsonRpcError } from "./json-rpc-error.ts";
import { type McpEndpointOptions, serveMcp } from "./mcp-endpoint.ts";
import type { OriginPolicy } from "./origin.ts";
import type { SessionStore } from "./sessions.ts";
import type { SseSessions } from "./sse-endpoint.ts";
import type { StatelessEndpoints } from "./stateless-endpoint.ts";

/** What the HTTP routes serve. */
export interface AppParts {
  gateway: Gateway;
  /** What `/mcp` shows. */
  surface: Surface;
  sessions: SessionStore;
  /** 2026-07-28 requests (no session) on `/mcp` and `/mcp/{backend}`. */
  stateless: StatelessEndpoints;
  sse: SseSessions;
  /** MCP over WebSocket at `/ws`. */
  ws: WsSessions;
  origin: OriginPolicy;
  limits: McpEndpointOptions;
  /** API keys and profiles; undefined without an `auth:` section (every caller anonymous). */
  auth?: Auth | undefined;
  /** Scopes the resource metadata advertises. @default ["admin"] */
  scopes?: readonly string[];
}

const MCP_METHODS = ["GET", "POST", "DELETE"];

function methodNotAllowed(allow: string, message = "Method not allowed"): Response {
  return jsonRpcError(405, -32000, message, { allow });
}

/**
 * Why `principal` may not open `/mcp/{backend}` or `/ws/{backend}`: 403 for a backend its scopes do not
 * reach (the same answer whether it exists or not, naming no other), 404 for an unknown one; else undefined.
 */
function directRefusal(gateway: Gateway, principal: Principal, backend: string): Response | undefined {
  if (gateway.restricts(principal) && !gateway.mayReach(principal, backend)) {
    return jsonRpcError(403, -32000, `Forbidden: backend "${backend}" is not allowed for this client`);
  }
  if (!gateway.hasBackend(backend)) {
    return jsonRpcError(
      404,
      -32000,
      `Unknown backend "${backend}"${didYouMean(backend, gateway.backendNames)}`,
    );
  }
  return undefined;
}

/**
 * The gateway's HTTP routes on one hono router: the request guard (Host and Origin) runs first on every
 * route, then CORS for the allowed browser origins, then the route. Later pieces (auth, the dashboard) are
 * one middleware or one route each.
 */
export function createApp(parts: AppParts): Hono<AppEnv> {
  const { gateway, sessions, stateless, sse, ws, limits, auth } = parts;
  const app = new Hono<AppEnv>({ strict: false });
  app.use(requestGuard(parts.origin, { anyHost: isWebhookPath }));
  app.use(
    cors({
      // The guard has already refused every origin that is neither loopback nor allowed.
      origin: (origin) => origin,
      allowMethods: [...MCP_METHODS, "OPTIONS"],
      allowHeaders: [
        "content-type",
        "accept",
        "authorization",
        "mcp-session-id",
        "mcp-protocol-version",
        "mcp-method",
        "mcp-name",
        "last-event-id",
      ],
      exposeHeaders: ["mcp-session-id", "mcp-protocol-version", "www-authenticate"],
    }),
  );
  app.use(authMiddleware(auth, { bindHost: parts.origin.bindHost }));

  app.get(RESOURCE_METADATA_PATH, (c) => resourceMetadata(c, parts.scopes ?? ["admin"]));
  app.get(`${RESOURCE_METADATA_PATH}/*`, (c) => resourceMetadata(c, parts.scopes ?? ["admin"]));
  app.get("/health", (c) => {
    const health = gateway.health();
    return c.json(c.get("admin") ? health : { status: health.status });
  });
  // Readiness (a load balancer's or Kubernetes'): 503 until the first start of every backend settled.
  app.get("/health/ready", (c) => {
    const status = gateway.health().status;
    return c.json({ status }, status === "starting" ? 503 : 200);
  });
  app.get("/metrics", (c) => {
    if (!c.get("admin")) return metricsRefused(c, auth !== undefined);
    const text = gateway.metrics(sessions.size + sse.size + ws.size);
    return new Response(text, { headers: { "content-type": PROMETHEUS_CONTENT_TYPE } });
  });

  app.on(MCP_METHODS, "/mcp", (c) =>
    serveMcp(
      c.req.raw,
      { endpoint: "/mcp", surface: parts.surface, sessions, stateless, principal: c.get("principal") },
      limits,
    ),
  );
  app.on(MCP_METHODS, "/mcp/:backend", (c) => {
    const backend = c.req.param("backend");
    const principal = c.get("principal");
    const refused = directRefusal(gateway, principal, backend);
    if (refused) return refused;
    const endpoint = `/mcp/${backend}`;
    const surface = { kind: "direct", backend } as const;
    return serveMcp(c.req.raw, { endpoint, surface, sessions, stateless, principal }, limits);
  });
  app.all("/mcp", () => methodNotAllowed("GET, POST, DELETE"));
  app.all("/mcp/:backend", () => methodNotAllowed("GET, POST, DELETE"));

  // After a successful upgrade Bun ignores the response; the socket is the session's from here.
  app.get("/ws", (c) => ws.upgrade(c.req.raw, c.get("principal")) ?? new Response(null));
  app.all("/ws", () => methodNotAllowed("GET", "Use GET /ws with a WebSocket upgrade (subprotocol mcp)"));
  // One backend's own tools over WebSocket, as /mcp/{backend}: refused before the upgrade alike.
  app.get("/ws/:backend", (c) => {
    const backend = c.req.param("backend");
    const principal = c.get("principal");
    const refused = directRefusal(gateway, principal, backend);
    if (refused) return refused;
    return ws.upgrade(c.req.raw, principal, { kind: "direct", backend }) ?? new Response(null);
  });
  app.all("/ws/:backend", () =>
    methodNotAllowed("GET", "Use GET /ws/{backend} with a WebSocket upgrade (subprotocol mcp)"),
  );

  app.get("/sse", (c) => sse.open(c.get("principal")));
  app.all("/sse", () => methodNotAllowed("GET", "Use GET /sse"));
  app.post("/message", (c) => sse.post(c.req.raw, limits, c.get("principal")));
  app.all("/message", () => methodNotAllowed("POST", "Use POST /message"));

  app.post("/webhooks/:name", (c) =>
    serveWebhook(c.req.raw, c.req.param("name"), gateway.webhooks, { bodyTimeoutMs: limits.bodyTimeoutMs }),
  );
  app.all("/webhooks/:name", () => methodNotAllowed("POST", "Use POST /webhooks/{name}"));

  app.route("/ui", dashboard({ gateway, auth, activeSessions: () => sessions.size + sse.size + ws.size }));

  app.notFound((c) => c.json({ error: `Not found: ${c.req.path}. MCP is served at /mcp` }, 404));
  app.onError((error) => {
    log.error(`HTTP handler failed: ${error.message}`);
    return jsonRpcError(500, -32603, "Internal error");
  });
  return app;
}
