import type { Context, MiddlewareHandler } from "hono";
import type { Auth } from "../../auth/auth.ts";
import { isAdmin } from "../../auth/scopes.ts";
import { ANONYMOUS, type Principal } from "../../gateway/call-context.ts";
import { isLoopbackHost } from "../exposure.ts";
import { jsonRpcError } from "./json-rpc-error.ts";

/** What the auth middleware leaves on each request for the routes. */
export interface AuthVariables {
  principal: Principal;
  /** True when the caller may see `/health` details and `/metrics`. */
  admin: boolean;
}

/** The hono environment of the gateway's router. */
export interface AppEnv {
  Variables: AuthVariables;
}

/** The caller of an open route (`/health`) that brought no valid key while auth is on: may do nothing. */
const UNAUTHENTICATED: Principal = Object.freeze({ id: "unauthenticated", scopes: Object.freeze([]) });

/** Where RFC 9728 Protected Resource Metadata is served (plus a path suffix per MCP endpoint). */
export const RESOURCE_METADATA_PATH = "/.well-known/oauth-protected-resource";

function isProtected(path: string): boolean {
  return path === "/mcp" || path.startsWith("/mcp/") || path === "/sse" || path === "/message";
}

/** The key a request carries: `Authorization: Bearer <key>`, else `X-API-Key`. */
function credentialOf(c: Context): string | undefined {
  const authorization = c.req.header("authorization");
  if (authorization) {
    const match = /^Bearer[ \t]+(\S+)\s*$/i.exec(authorization);
    return match ? match[1] : authorization;
  }
  return c.req.header("x-api-key") || undefined;
}

function metadataUrl(c: Context): string {
  const url = new URL(c.req.url);
  const suffix = url.pathname.startsWith("/mcp") ? url.pathname.replace(/\/+$/, "") : "";
  return `${url.origin}${RESOURCE_METADATA_PATH}${suffix}`;
}

function unauthorized(c: Context, offered: boolean): Response {
  const challenge = `Bearer resource_metadata="${metadataUrl(c)}"${offered ? ', error="invalid_token"' : ""}`;
  const message = offered
    ? "Unauthorized: the API key is not valid (revoked, rotated or mistyped)"
    : "Unauthorized: send an API key as Authorization: Bearer <key> or X-API-Key (create one with: mcp-gateway keys add NAME --scope …)";
  return jsonRpcError(401, -32001, message, { "www-authenticate": challenge });
}

/**
 * Authenticates every request and leaves its principal for the routes. Without auth (`auth` undefined)
 * every caller is the anonymous, unrestricted principal, as on loopback before auth existed, and sees
 * `/health` details and `/metrics` only on a loopback bind. With auth, `/mcp`, `/mcp/{backend}`, `/sse`
 * and `/message` need a valid key (401 with a `WWW-Authenticate` challenge otherwise); `/health` answers
 * anyone, with details for the `admin` scope only.
 */
export function authMiddleware(
  auth: Auth | undefined,
  options: { bindHost: string },
): MiddlewareHandler<AppEnv> {
  const loopback = isLoopbackHost(options.bindHost);
  return async (c, next) => {
    if (!auth) {
      c.set("principal", ANONYMOUS);
      c.set("admin", loopback);
      return next();
    }
    const credential = credentialOf(c);
    const principal = credential === undefined ? undefined : await auth.authenticate(credential);
    if (!principal && isProtected(c.req.path)) return unauthorized(c, credential !== undefined);
    c.set("principal", principal ?? UNAUTHENTICATED);
    c.set("admin", principal !== undefined && isAdmin(principal));
    return next();
  };
}

/** `/metrics` for a caller without the admin scope: 401 without a key, 403 with one. */
export function metricsRefused(c: Context<AppEnv>, authOn: boolean): Response {
  if (!authOn) {
    return jsonRpcError(
      403,
      -32000,
      "Forbidden: /metrics is served on loopback only unless auth is configured",
    );
  }
  if (c.get("principal").id === UNAUTHENTICATED.id) return unauthorized(c, credentialOf(c) !== undefined);
  return jsonRpcError(403, -32000, "Forbidden: /metrics needs a key with the admin scope");
}

/** RFC 9728 Protected Resource Metadata for the gateway (or one of its MCP endpoints). */
export function resourceMetadata(c: Context, scopes: readonly string[]): Response {
  const url = new URL(c.req.url);
  const suffix = url.pathname.slice(RESOURCE_METADATA_PATH.length);
  return Response.json({
    resource: `${url.origin}${suffix}`,
    bearer_methods_supported: ["header"],
    scopes_supported: [...scopes],
    resource_name: "mcp-gateway",
  });
}
