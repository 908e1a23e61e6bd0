import type { Context, MiddlewareHandler } from "hono";
import type { Auth } from "../../auth/auth.ts";
import type { Authentication } from "../../auth/bearer.ts";
import { certificatePrincipalOf } from "../../auth/client-certs.ts";
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
  return (
    path === "/mcp" ||
    path.startsWith("/mcp/") ||
    path === "/sse" ||
    path === "/message" ||
    path === "/ws" ||
    path.startsWith("/ws/")
  );
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

/** Where clients find the metadata of this request's endpoint (on the canonical origin with OAuth). */
function metadataUrl(c: Context, auth: Auth | undefined): string {
  const url = new URL(c.req.url);
  const suffix = url.pathname.startsWith("/mcp") ? url.pathname.replace(/\/+$/, "") : "";
  const origin = auth?.oauth ? new URL(auth.oauth.resource).origin : url.origin;
  return `${origin}${RESOURCE_METADATA_PATH}${suffix}`;
}

/** A quoted auth-param value: no quotes or backslashes inside (RFC 6750 §3 allows neither unescaped). */
function quoted(text: string): string {
  return `"${text.replace(/["\\]/g, "'")}"`;
}

function challenge(c: Context, auth: Auth | undefined, params: Record<string, string | undefined>): string {
  const scope = auth?.oauth?.requiredScopes.join(" ");
  const all = { resource_metadata: metadataUrl(c, auth), scope: scope || undefined, ...params };
  const parts = Object.entries(all).flatMap(([k, v]) => (v === undefined ? [] : [`${k}=${quoted(v)}`]));
  return `Bearer ${parts.join(", ")}`;
}

function unauthorized(c: Context, auth: Auth | undefined, refusal?: string): Response {
  const header = challenge(
    c,
    auth,
    refusal === undefined
      ? {}
      : { error: "invalid_token", ...(auth?.oauth ? { error_description: refusal } : {}) },
  );
  const how = auth?.oauth
    ? "an OAuth access token or an API key as Authorization: Bearer <token>"
    : "an API key as Authorization: Bearer <key> or X-API-Key (create one with: mcp-gateway keys add NAME --scope …)";
  const message = refusal === undefined ? `Unauthorized: send ${how}` : `Unauthorized: ${refusal}`;
  return jsonRpcError(401, -32001, message, { "www-authenticate": header });
}

/** 403 with a step-up challenge: a token with `scopes` would be let in (RFC 6750 insufficient_scope). */
function insufficientScope(c: Context, auth: Auth, description: string, scopes: readonly string[]): Response {
  const header = challenge(c, auth, {
    error: "insufficient_scope",
    scope: scopes.join(" "),
    error_description: description,
  });
  return jsonRpcError(403, -32000, `Forbidden: ${description}`, { "www-authenticate": header });
}

/** For an OAuth principal on `/mcp/<backend>` or `/ws/<backend>` outside its profile: the scopes that would reach it. */
function stepUp(c: Context, auth: Auth, principal: Principal): Response | undefined {
  const match = /^\/(?:mcp|ws)\/([^/]+)\/?$/.exec(c.req.path);
  if (!match || !auth.oauth || !principal.id.startsWith("oauth:")) return undefined;
  const backend = decodeURIComponent(match[1] as string);
  const visible = auth.hooks().visible;
  const reaches = (["tool", "resource", "prompt"] as const).some((kind) =>
    visible(principal, { server: backend, kind, name: "*" }),
  );
  if (reaches) return undefined;
  const reaching = auth.oauth.scopesReaching(backend, auth.profiles);
  if (reaching.length === 0) return undefined;
  const scopes = [...new Set([...auth.oauth.requiredScopes, ...reaching])];
  return insufficientScope(c, auth, `backend "${backend}" needs another scope`, scopes);
}

/**
 * Authenticates every request and leaves its principal for the routes. Without auth (`auth` undefined)
 * every caller is the anonymous, unrestricted principal, as on loopback before auth existed, and sees
 * `/health` details and `/metrics` only on a loopback bind. With auth, `/mcp`, `/mcp/{backend}`, `/sse`,
 * `/message` and `/ws` (the WebSocket upgrade) need a valid API key or OAuth access token (401 with a
 * `WWW-Authenticate` challenge otherwise, 403 `insufficient_scope` for a token lacking a required scope);
 * `/health` answers anyone, with details for the `admin` scope only. With OAuth it also answers the resource metadata itself.
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
    const path = c.req.path;
    if (auth.oauth && c.req.method === "GET" && path.startsWith(RESOURCE_METADATA_PATH)) {
      return oauthMetadata(path, auth);
    }
    const credential = credentialOf(c);
    const result =
      credential === undefined ? certified(c.req.raw) : await auth.authenticateRequest(credential, path);
    if (result?.ok !== true && isProtected(path)) {
      if (result?.error === "insufficient_scope") {
        return insufficientScope(c, auth, result.description, result.scopes);
      }
      return unauthorized(c, auth, result?.description);
    }
    const principal = result?.ok ? result.principal : UNAUTHENTICATED;
    if (result?.ok) {
      const refused = stepUp(c, auth, principal);
      if (refused) return refused;
    }
    c.set("principal", principal);
    c.set("admin", result?.ok === true && isAdmin(principal));
    return next();
  };
}

/** A request without a credential authenticates by its verified client certificate, when one is mapped. */
function certified(request: Request): Authentication | undefined {
  const principal = certificatePrincipalOf(request);
  return principal ? { ok: true, principal } : undefined;
}

/** RFC 9728 metadata naming the canonical resource and its authorization server. */
function oauthMetadata(path: string, auth: Auth): Response {
  const oauth = auth.oauth as NonNullable<Auth["oauth"]>;
  const suffix = path.slice(RESOURCE_METADATA_PATH.length).replace(/\/+$/, "");
  if (suffix !== "" && suffix !== "/mcp" && !/^\/mcp\/[^/]+$/.test(suffix)) {
    return Response.json({ error: `Not found: ${path}` }, { status: 404 });
  }
  return Response.json({
    resource: oauth.resourceOf(suffix),
    authorization_servers: [oauth.issuer],
    bearer_methods_supported: ["header"],
    scopes_supported: oauth.supportedScopes,
    resource_name: "mcp-gateway",
  });
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
  if (c.get("principal").id === UNAUTHENTICATED.id) {
    return unauthorized(
      c,
      undefined,
      credentialOf(c) === undefined ? undefined : "the credential is not valid",
    );
  }
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
