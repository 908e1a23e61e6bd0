import type { Context } from "hono";
import { Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { z } from "zod";
import type { Auth } from "../auth/auth.ts";
import { isAdmin } from "../auth/scopes.ts";
import { hmacSha256, randomBytes, sameBytes } from "../digest.ts";
import { errorForm } from "../error-table.ts";
import { errorMessage, GatewayError, isGatewayError } from "../errors.ts";
import type { CallContext, Principal } from "../gateway/call-context.ts";
import type { Gateway } from "../gateway/gateway.ts";
import type { SessionPeer } from "../gateway/session-hub.ts";
import type { AppEnv } from "../server/http/auth.ts";
import { readJsonBody } from "../server/http/body.ts";
import { type ActivityEntry, ActivityFeed } from "./activity.ts";
import { adminApi } from "./admin-api.ts";
import { dashboardAssets } from "./assets.ts";
import { RequestTally } from "./request-tally.ts";

/** What the dashboard reads: the facade, auth when configured, and the open session count. */
export interface DashboardParts {
  gateway: Gateway;
  /** API keys; undefined without an `auth:` section (then only a loopback bind serves the dashboard). */
  auth?: Auth | undefined;
  /** Open client sessions (Streamable HTTP and SSE). @default () => 0 */
  activeSessions?: () => number;
}

/** The cookie holding the dashboard caller's API key (HttpOnly, SameSite=Strict, path /ui). */
export const SESSION_COOKIE = "mgw_ui";
/** The header every dashboard POST carries its CSRF token in. */
export const CSRF_HEADER = "x-csrf-token";

const BODY_LIMITS = { maxBodySize: 1024 * 1024, bodyTimeoutMs: 10_000 };
const LoginBody = z.object({ key: z.string().min(1).max(4096) });
const InvokeBody = z.object({
  server: z.string().min(1),
  tool: z.string().min(1),
  arguments: z.record(z.string(), z.unknown()).default({}),
});

type Caller = { principal: Principal; key: string } | { refused: 401 | 403; message: string };

/** The dashboard's stand-in for a client session: it answers no backend request (sampling, roots). */
function dashboardPeer(): SessionPeer {
  return {
    label: "dashboard",
    backend: undefined,
    meta: false,
    logLevel: undefined,
    subscriptions: new Set(),
    notify: async () => {},
    request: async (method) => {
      throw new GatewayError("NOT_SUPPORTED", `the dashboard cannot answer ${method}`);
    },
    clientCapabilities: () => undefined,
  };
}

function noStore(response: Response): Response {
  response.headers.set("cache-control", "no-store");
  return response;
}

/**
 * The dashboard at `/ui`: one HTML page with its script and stylesheet (embedded at build time) and a
 * small JSON API over the facade. Without auth it answers only where `/metrics` does (a loopback bind);
 * with auth it needs a key with the `admin` scope, sent as a header or kept in an HttpOnly cookie by the
 * login form. Every POST but the login carries a CSRF token bound to that key.
 */
export function dashboard(parts: DashboardParts): Hono<AppEnv> {
  const { gateway, auth } = parts;
  const sessions = parts.activeSessions ?? (() => 0);
  const feed = new ActivityFeed();
  const callers = new RequestTally((r) => r.principal);
  const servers = new RequestTally((r) => r.server);
  gateway.onRequest((record) => {
    feed.record(record);
    callers.record(record);
    servers.record(record);
  });
  const secret = randomBytes(32);
  const peer = dashboardPeer();
  const app = new Hono<AppEnv>({ strict: false });

  const csrfOf = (key: string): string => hmacSha256(secret, key).toString("base64url");

  const caller = async (c: Context<AppEnv>): Promise<Caller> => {
    if (!auth) {
      return c.get("admin")
        ? { principal: c.get("principal"), key: "" }
        : { refused: 403, message: "the dashboard is served on loopback only unless auth is configured" };
    }
    const key = getCookie(c, SESSION_COOKIE);
    if (key === undefined) {
      const header = c.req.header("authorization");
      if (c.get("admin")) return { principal: c.get("principal"), key: header ?? "" };
      // A valid credential without the admin scope: logging in again with it would not help.
      if (header !== undefined && c.get("principal").id !== "unauthenticated") {
        return { refused: 403, message: "the dashboard needs a key with the admin scope" };
      }
      return { refused: 401, message: "log in with an API key that has the admin scope" };
    }
    const result = await auth.authenticateRequest(key, "/ui");
    if (!result.ok) return { refused: 401, message: result.description };
    if (!isAdmin(result.principal)) return { refused: 403, message: "the dashboard needs the admin scope" };
    return { principal: result.principal, key };
  };

  const context = (principal: Principal, signal: AbortSignal): CallContext => ({
    principal,
    session: peer,
    surface: { kind: "transparent" },
    signal,
  });

  /** Runs `handle` for an admitted caller (and a valid CSRF token on a POST); refuses anyone else. */
  const admitted =
    (handle: (c: Context<AppEnv>, principal: Principal) => Promise<Response> | Response) =>
    async (c: Context<AppEnv>): Promise<Response> => {
      const who = await caller(c);
      if ("refused" in who)
        return noStore(c.json({ error: who.message, login: who.refused === 401 }, who.refused));
      if (c.req.method === "POST") {
        const sent = Buffer.from(c.req.header(CSRF_HEADER) ?? "");
        const expected = Buffer.from(csrfOf(who.key));
        if (!sameBytes(sent, expected)) {
          return noStore(c.json({ error: "missing or stale CSRF token: reload the page" }, 403));
        }
      }
      return noStore(await handle(c, who.principal));
    };

  const assets = dashboardAssets();
  for (const asset of assets) {
    app.get(asset.path, (c) => {
      const gzip = /\bgzip\b/.test(c.req.header("accept-encoding") ?? "");
      const headers: Record<string, string> = {
        "content-type": asset.type,
        "cache-control": asset.path === "/" ? "no-cache" : "public, max-age=300",
        etag: asset.etag,
        vary: "accept-encoding",
        "x-content-type-options": "nosniff",
        ...(asset.path === "/"
          ? {
              "content-security-policy":
                "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
              "referrer-policy": "no-referrer",
            }
          : {}),
      };
      if (c.req.header("if-none-match") === asset.etag) return new Response(null, { status: 304, headers });
      if (gzip) headers["content-encoding"] = "gzip";
      return new Response(gzip ? asset.gzip : asset.body, { headers });
    });
  }

  app.post("/login", async (c) => {
    if (!auth) return c.json({ error: "auth is not configured: no login needed" }, 400);
    const body = await readJsonBody(c.req.raw, BODY_LIMITS);
    if (body instanceof Response) return body;
    const parsed = LoginBody.safeParse(body);
    if (!parsed.success) return c.json({ error: 'send {"key": "mgw_…"}' }, 400);
    const result = await auth.authenticateRequest(parsed.data.key, "/ui");
    if (!result.ok) return noStore(c.json({ error: result.description }, 401));
    if (!isAdmin(result.principal)) {
      return noStore(c.json({ error: `key "${result.principal.id}" lacks the admin scope` }, 403));
    }
    setCookie(c, SESSION_COOKIE, parsed.data.key, {
      httpOnly: true,
      sameSite: "Strict",
      path: "/ui",
      secure: new URL(c.req.url).protocol === "https:",
    });
    return noStore(c.json({ ok: true }));
  });

  app.post(
    "/logout",
    admitted((c) => {
      deleteCookie(c, SESSION_COOKIE, { path: "/ui" });
      return c.json({ ok: true });
    }),
  );

  app.get(
    "/api/session",
    admitted(async (c, principal) => {
      const who = await caller(c);
      const key = "key" in who ? who.key : "";
      return c.json({ principal: principal.id, auth: auth !== undefined, csrf: csrfOf(key) });
    }),
  );

  app.get(
    "/api/overview",
    admitted(async (c, principal) => {
      const servers = await gateway.listServers(context(principal, c.req.raw.signal));
      return c.json({ health: gateway.health(), sessions: sessions(), servers });
    }),
  );

  app.get(
    "/api/tools",
    admitted(async (c, principal) => {
      const ctx = context(principal, c.req.raw.signal);
      const query = (c.req.query("q") ?? "").trim();
      const found = query
        ? (await gateway.search(ctx, query, 50)).map((h) => ({
            server: h.server,
            tool: h.tool,
            score: h.score,
          }))
        : (await gateway.listTools(ctx)).tools;
      return c.json({ query, tools: found.map((t) => ({ server: t.server, ...t.tool })) });
    }),
  );

  app.post(
    "/api/invoke",
    admitted(async (c, principal) => {
      const body = await readJsonBody(c.req.raw, BODY_LIMITS);
      if (body instanceof Response) return body;
      const parsed = InvokeBody.safeParse(body);
      if (!parsed.success) return c.json({ error: "send {server, tool, arguments}" }, 400);
      const { server, tool } = parsed.data;
      try {
        const result = await gateway.invoke(
          context(principal, c.req.raw.signal),
          { server, tool },
          parsed.data.arguments,
        );
        return c.json({ result });
      } catch (error) {
        const status = isGatewayError(error) ? errorForm(error.code).http : 502;
        return c.json(
          { error: errorMessage(error), ...(isGatewayError(error) ? { code: error.code } : {}) },
          status as 400,
        );
      }
    }),
  );

  app.get(
    "/api/activity",
    admitted((c) => {
      const encoder = new TextEncoder();
      let stop = (): void => {};
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          const send = (entry: ActivityEntry): void => {
            try {
              controller.enqueue(encoder.encode(`data: ${JSON.stringify(entry)}\n\n`));
            } catch {
              stop();
            }
          };
          controller.enqueue(encoder.encode(": open\n\n"));
          for (const entry of feed.recent) send(entry);
          const unsubscribe = feed.subscribe(send);
          const keepAlive = setInterval(() => {
            try {
              controller.enqueue(encoder.encode(": keep-alive\n\n"));
            } catch {
              stop();
            }
          }, 15_000);
          keepAlive.unref?.();
          stop = () => {
            unsubscribe();
            clearInterval(keepAlive);
          };
          c.req.raw.signal.addEventListener("abort", () => {
            stop();
            try {
              controller.close();
            } catch {}
          });
        },
        cancel() {
          stop();
        },
      });
      return new Response(body, {
        headers: { "content-type": "text/event-stream", connection: "keep-alive" },
      });
    }),
  );

  adminApi(app, { gateway, auth, callers, servers, admitted, context });

  app.all("/api/*", (c) => c.json({ error: `Not found: ${c.req.path}` }, 404));
  return app;
}
