import type { Server as BunServer } from "bun";
import type { Auth } from "../../auth/auth.ts";
import { type ClientCertificates, setCertificatePrincipal } from "../../auth/client-certs.ts";
import type { Surface } from "../../gateway/call-context.ts";
import type { Gateway } from "../../gateway/gateway.ts";
import { log } from "../../log.ts";
import { type WsData, WsSessions } from "../ws/sessions.ts";
import { createApp } from "./app.ts";
import { FirstServed, type FirstServedOptions } from "./first-served.ts";
import { IdleRelease, type IdleReleaseOptions } from "./idle-release.ts";
import { type MutualTls, startMutualTls } from "./mtls.ts";
import { SessionStore } from "./sessions.ts";
import { SseSessions } from "./sse-endpoint.ts";
import { StatelessEndpoints } from "./stateless-endpoint.ts";

/** Options for the HTTP front end; unset fields come from the gateway's `server` config. */
export interface HttpFrontEndOptions {
  host?: string;
  port?: number;
  /** What `/mcp` shows: the meta-tools or every tool (transparent). */
  surface: Surface;
  maxBodySize?: number;
  allowedOrigins?: readonly string[];
  /** How long a POST body may take to arrive. @default 30 s */
  bodyTimeoutMs?: number;
  /** Clock for session idle expiry. @default Date.now */
  now?: () => number;
  /** API keys and profiles (the config's `auth:` section). @default none: every caller anonymous */
  auth?: Auth | undefined;
  /** HTTPS, and with `ca` client certificates (PEM contents). @default plain HTTP */
  tls?: FrontEndTls | undefined;
  /**
   * Give memory back once requests stop after a burst (see `idle-release.ts`); false to never.
   * @default the IdleRelease defaults
   */
  idleRelease?: IdleReleaseOptions | false;
  /** When the first client counts as served (quiet time, cap). @default the FirstServed defaults */
  firstServed?: FirstServedOptions;
}

/** The front end's TLS: PEM contents, not paths. */
export interface FrontEndTls {
  cert: string;
  key: string;
  /** CA(s) client certificates must chain to; turns on mutual TLS. */
  ca?: string | undefined;
  /** With `ca`: refuse a client without a verified certificate at the handshake. @default true */
  requireCert?: boolean | undefined;
  /** Verified subjects → principals. @default none: a certificate alone authenticates nobody */
  clients?: ClientCertificates | undefined;
}

/** A running HTTP front end. */
export interface HttpFrontEnd {
  url: URL;
  sessions: SessionStore;
  /** The `/ws` sessions. */
  ws: WsSessions;
  /** Settles once the first client has been served (see `first-served.ts`): when the backends start. */
  firstServed: Promise<void>;
  /**
   * Stops listening, lets calls in flight finish (up to `graceMs`), then closes every session.
   * @default graceMs 0
   */
  stop(options?: { graceMs?: number }): Promise<void>;
}

/** Starts `Bun.serve` on the gateway's routes (see `createApp`). */
export function startHttpFrontEnd(gateway: Gateway, options: HttpFrontEndOptions): HttpFrontEnd {
  const defaults = gateway.settings;
  const host = options.host ?? defaults.host;
  const maxBodySize = options.maxBodySize ?? defaults.max_body_size;
  const sessions = new SessionStore(gateway, {
    maxBodySize,
    idleTimeoutMs: defaults.session_idle_timeout,
    unusedTimeoutMs: defaults.unused_session_timeout,
    maxSessions: defaults.max_sessions,
    ...(options.now ? { now: options.now } : {}),
  });
  const ws = new WsSessions(gateway, options.surface, {
    maxBodySize,
    idleTimeoutMs: defaults.session_idle_timeout,
    unusedTimeoutMs: defaults.unused_session_timeout,
    maxSessions: defaults.max_sessions,
    ...(options.now ? { now: options.now } : {}),
  });
  const sweeper = setInterval(() => {
    void sessions.sweep();
    ws.sweep();
  }, 60_000);
  sweeper.unref?.();
  const sse = new SseSessions(gateway, options.surface);
  const stateless = new StatelessEndpoints(gateway, { maxBodySize });
  const app = createApp({
    gateway,
    surface: options.surface,
    sessions,
    stateless,
    sse,
    ws,
    origin: { bindHost: host, allowedOrigins: options.allowedOrigins ?? defaults.allowed_origins },
    limits: { maxBodySize, bodyTimeoutMs: options.bodyTimeoutMs ?? 30_000 },
    auth: options.auth,
  });
  const tls = options.tls;
  const port = options.port ?? defaults.port;
  // With client certificates, a Bun.listen TLS terminator (Bun.serve would hide the certificate) hands
  // each connection to this server on a loopback port; see mtls.ts.
  const mutual = tls?.ca !== undefined;
  let terminator: MutualTls | undefined;
  const served = new FirstServed(options.firstServed);
  const idle =
    options.idleRelease === false
      ? undefined
      : new IdleRelease({
          busy: () => gateway.inflight > 0,
          // Start-up is over once the first client was served and the backends' first start settled.
          startedUp: served.settled.then(() => gateway.ready),
          ...options.idleRelease,
        });
  // Calls over /ws end without an HTTP request ending: each call's end starts the idle wait too.
  const stopWatchingCalls = idle ? gateway.onRequest(() => idle.callEnded()) : () => undefined;
  const serve: (request: Request, self: BunServer<WsData>) => Response | Promise<Response> = mutual
    ? (request, self) => {
        const subject = terminator?.peerOf(self.requestIP(request)?.port);
        const principal = subject && tls.clients?.principalOf(subject);
        if (principal) setCertificatePrincipal(request, principal);
        return app.fetch(request);
      }
    : app.fetch;
  const server: BunServer<WsData> = Bun.serve<WsData>({
    hostname: mutual ? "127.0.0.1" : host,
    port: mutual ? 0 : port,
    ...(tls && !mutual ? { tls: { cert: tls.cert, key: tls.key } } : {}),
    // SSE streams stay quiet between messages; Bun's default 10 s idle timeout would cut them. Slow POST
    // bodies are bounded by the body deadline instead.
    idleTimeout: 0,
    // Above our own limit, so an oversized body gets our JSON-RPC 413 rather than Bun's empty one; the body
    // reader stops at max_body_size whatever the client declared.
    maxRequestBodySize: maxBodySize * 2 + 1024 * 1024,
    websocket: ws.handlers,
    fetch: async (request, self) => {
      const counted = !served.done;
      if (counted) served.begin();
      idle?.begin();
      try {
        return await serve(request, self);
      } finally {
        idle?.end();
        if (counted) served.end();
      }
    },
  });
  ws.listen(server);
  if (mutual) {
    try {
      terminator = startMutualTls({
        host,
        port,
        cert: tls.cert,
        key: tls.key,
        ca: tls.ca as string,
        requireCert: tls.requireCert ?? true,
        upstreamPort: server.port as number,
      });
    } catch (error) {
      void server.stop(true);
      clearInterval(sweeper);
      idle?.stop();
      stopWatchingCalls();
      served.stop();
      throw error;
    }
  }
  const scheme = tls ? "https" : "http";
  const listening = terminator?.port ?? server.port;

  return {
    url: new URL(`${scheme}://${host.includes(":") ? `[${host}]` : host}:${listening}`),
    sessions,
    ws,
    firstServed: served.settled,
    stop: async (stopOptions = {}) => {
      // Stop accepting connections; requests already in flight carry on.
      terminator?.stop();
      void server.stop(false);
      idle?.stop();
      stopWatchingCalls();
      served.stop();
      const grace = stopOptions.graceMs ?? 0;
      if (grace > 0) {
        if (gateway.inflight > 0)
          log.info(`waiting up to ${grace}ms for ${gateway.inflight} call(s) in flight`);
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([gateway.whenIdle(), new Promise((r) => (timer = setTimeout(r, grace)))]);
        clearTimeout(timer);
        // The last answers are handed to their streams just after the calls return; let them go out.
        await new Promise((r) => setTimeout(r, 100));
      }
      await sse.closeAll();
      ws.closeAll();
      await stateless.closeAll();
      clearInterval(sweeper);
      await sessions.closeAll();
      await server.stop(true);
      terminator?.closeAll();
    },
  };
}
