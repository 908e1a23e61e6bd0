import { Hono } from "hono";
import { cors } from "hono/cors";
import type { Surface } from "../../gateway/call-context.ts";
import type { Gateway } from "../../gateway/gateway.ts";
import { log } from "../../log.ts";
import { PROMETHEUS_CONTENT_TYPE } from "../../metrics/prometheus.ts";
import { didYouMean } from "../../suggest.ts";
import { requestGuard } from "./guard.ts";
import { jsonRpcError } from "./json-rpc-error.ts";
import { type McpEndpointOptions, serveMcp } from "./mcp-endpoint.ts";
import type { OriginPolicy } from "./origin.ts";
import type { SessionStore } from "./sessions.ts";
import type { SseSessions } from "./sse-endpoint.ts";

/** What the HTTP routes serve. */
export interface AppParts {
  gateway: Gateway;
  /** What `/mcp` shows. */
  surface: Surface;
  sessions: SessionStore;
  sse: SseSessions;
  origin: OriginPolicy;
  limits: McpEndpointOptions;
}

const MCP_METHODS = ["GET", "POST", "DELETE"];

function methodNotAllowed(allow: string, message = "Method not allowed"): Response {
  return jsonRpcError(405, -32000, message, { allow });
}

/**
 * The gateway's HTTP routes on one hono router: the request guard (Host and Origin) runs first on every
 * route, then CORS for the allowed browser origins, then the route. Later pieces (auth, the dashboard) are
 * one middleware or one route each.
 */
export function createApp(parts: AppParts): Hono {
  const { gateway, sessions, sse, limits } = parts;
  const app = new Hono({ strict: false });
  app.use(requestGuard(parts.origin));
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
        "last-event-id",
      ],
      exposeHeaders: ["mcp-session-id", "mcp-protocol-version"],
    }),
  );

  app.get("/health", (c) => c.json(gateway.health()));
  app.get("/metrics", () => {
    const text = gateway.metrics(sessions.size + sse.size);
    return new Response(text, { headers: { "content-type": PROMETHEUS_CONTENT_TYPE } });
  });

  app.on(MCP_METHODS, "/mcp", (c) =>
    serveMcp(c.req.raw, { endpoint: "/mcp", surface: parts.surface, sessions }, limits),
  );
  app.on(MCP_METHODS, "/mcp/:backend", (c) => {
    const backend = c.req.param("backend");
    if (!gateway.hasBackend(backend)) {
      return jsonRpcError(
        404,
        -32000,
        `Unknown backend "${backend}"${didYouMean(backend, gateway.backendNames)}`,
      );
    }
    const endpoint = `/mcp/${backend}`;
    return serveMcp(c.req.raw, { endpoint, surface: { kind: "direct", backend }, sessions }, limits);
  });
  app.all("/mcp", () => methodNotAllowed("GET, POST, DELETE"));
  app.all("/mcp/:backend", () => methodNotAllowed("GET, POST, DELETE"));

  app.get("/sse", () => sse.open());
  app.all("/sse", () => methodNotAllowed("GET", "Use GET /sse"));
  app.post("/message", (c) => sse.post(c.req.raw, limits));
  app.all("/message", () => methodNotAllowed("POST", "Use POST /message"));

  app.notFound((c) => c.json({ error: `Not found: ${c.req.path}. MCP is served at /mcp` }, 404));
  app.onError((error) => {
    log.error(`HTTP handler failed: ${error.message}`);
    return jsonRpcError(500, -32603, "Internal error");
  });
  return app;
}
