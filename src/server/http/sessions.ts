import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { parseReplicaRequestId, replicaRequestId, sessionDigest } from "../../cluster/replica-ids.ts";
import type { RedisSessionRelay } from "../../cluster/session-relay.ts";
import type { RedisSessionRevocations } from "../../cluster/session-revocations.ts";
import type { InitializeClaims, SessionSigner } from "../../cluster/session-token.ts";
import { randomToken } from "../../digest.ts";
import { ANONYMOUS, type Principal, type Surface } from "../../gateway/call-context.ts";
import type { Gateway } from "../../gateway/gateway.ts";
import { forgetSessionLabel, sessionLabel } from "../../gateway/pipeline.ts";
import { createSessionServer } from "../session-server.ts";

/** One client's MCP session over Streamable HTTP. */
export interface HttpSession {
  id: string;
  /** Which endpoint created it (`/mcp` or `/mcp/<backend>`); the id is valid only there. */
  endpoint: string;
  transport: WebStandardStreamableHTTPServerTransport;
  server: Server;
  /** When the client last sent anything on this session (ms since epoch). */
  lastSeen: number;
  /** True once the client sent any request after initialize (until then a shorter idle timeout holds). */
  used: boolean;
  /** JSON-RPC ids of the client's requests not answered yet. */
  pending: Set<string | number>;
  /** Who initialized it; every later request must come from the same principal. */
  principal: Principal;
}

/** Limits of the session store; see `server.*` in the config schema for what each means. */
export interface SessionLimits {
  maxBodySize: number;
  /** Close a session the client has not used for this long (0 = never). @default 0 */
  idleTimeoutMs?: number;
  /** Close a session that made no request after initialize for this long (0 = never). @default 0 */
  unusedTimeoutMs?: number;
  /** Most open sessions. @default Infinity */
  maxSessions?: number;
  /** Clock, ms since epoch. @default Date.now */
  now?: () => number;
}

function requestIds(body: unknown): (string | number)[] {
  return (Array.isArray(body) ? body : [body])
    .filter(
      (m): m is { id: string | number; method: string } =>
        typeof m === "object" && m !== null && "method" in m && "id" in m && m.id !== null,
    )
    .map((m) => m.id);
}

/**
 * A message to the client as it leaves a replica: a request carries an id naming the replica, so whichever
 * replica gets the answer can send it here; a cancellation of one names it by that id too.
 */
function namedForClient(message: JSONRPCMessage, origin: string): JSONRPCMessage {
  if (!("method" in message)) return message;
  if ("id" in message) return { ...message, id: replicaRequestId(origin, message.id) };
  const requestId = (message.params as { requestId?: unknown } | undefined)?.requestId;
  if (
    message.method !== "notifications/cancelled" ||
    (typeof requestId !== "number" && typeof requestId !== "string")
  ) {
    return message;
  }
  return { ...message, params: { ...message.params, requestId: replicaRequestId(origin, requestId) } };
}

/** What {@link SessionStore.restore} found for an id this replica does not hold. */
export type Restored =
  | { ok: true; session: HttpSession }
  | { ok: false; reason: "unknown" | "forbidden" | "full" };

/**
 * Live Streamable HTTP sessions keyed by their id: cryptographically random, or, with a session secret
 * (`redis.session_secret`), signed and self-contained so another replica can rebuild the session.
 */
export class SessionStore {
  readonly #sessions = new Map<string, HttpSession>();
  readonly #restoring = new Map<string, Promise<Restored>>();
  readonly #gateway: Gateway;
  readonly #limits: Required<SessionLimits>;
  readonly #signer: SessionSigner | undefined;
  readonly #revocations: RedisSessionRevocations | undefined;
  readonly #relay: RedisSessionRelay | undefined;

  constructor(gateway: Gateway, limits: SessionLimits) {
    this.#gateway = gateway;
    this.#limits = {
      idleTimeoutMs: 0,
      unusedTimeoutMs: 0,
      maxSessions: Number.POSITIVE_INFINITY,
      now: Date.now,
      ...limits,
    };
    this.#signer = gateway.cluster?.signer;
    this.#revocations = gateway.cluster?.revocations;
    // A session its client ended on another replica is closed here too.
    this.#revocations?.onRevoked((digest) => {
      const session = this.#byDigest(digest);
      if (session) void this.close(session);
    });
    this.#relay = gateway.cluster?.sessionRelay;
    // A client's answer to a request this replica's server sent, received by another replica.
    this.#relay?.onAnswers((digest, answers) => {
      const session = this.#byDigest(digest);
      for (const answer of session ? answers : []) session?.transport.onmessage?.(answer as JSONRPCMessage);
    });
    // A cancellation another replica received for a request running here.
    this.#relay?.onCancel((digest, requestId, reason) => {
      const session = this.#byDigest(digest);
      if (!session?.pending.delete(requestId)) return;
      session.transport.onmessage?.({
        jsonrpc: "2.0",
        method: "notifications/cancelled",
        params: { requestId, ...(reason !== undefined ? { reason } : {}) },
      });
    });
  }

  #byDigest(digest: string): HttpSession | undefined {
    for (const session of this.#sessions.values()) if (sessionDigest(session.id) === digest) return session;
    return undefined;
  }

  /**
   * Sends on what belongs to another replica: a POST of the client's answers to requests another replica's
   * server sent goes to that replica (answered 202 here, 503 when it cannot get there), and a cancellation
   * of a request not in flight here is told to every replica.
   * @returns the answer to the POST, or undefined when this replica handles it
   */
  relay(session: HttpSession, body: unknown): Promise<Response | undefined> {
    if (!this.#relay) return Promise.resolve(undefined);
    // Hashed only when something is sent on: most POSTs are the client's own requests, relayed nowhere.
    return this.#relay.forward(
      {
        get digest() {
          return sessionDigest(session.id);
        },
        pending: session.pending,
      },
      body,
    );
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** The session with this id, marked as just used. */
  use(id: string): HttpSession | undefined {
    const session = this.#sessions.get(id);
    if (session) session.lastSeen = this.#limits.now();
    return session;
  }

  /**
   * Records the requests of a POST body on a session. A request whose id is still in flight on the session
   * is refused (its id returned): passing it on would leave the first one unanswered forever.
   */
  admit(session: HttpSession, body: unknown): string | number | undefined {
    for (const message of Array.isArray(body) ? body : [body]) {
      const m = message as { method?: unknown; params?: { requestId?: string | number } } | null;
      // A cancelled request gets no answer: it is no longer in flight.
      if (m?.method === "notifications/cancelled" && m.params?.requestId !== undefined) {
        session.pending.delete(m.params.requestId);
      }
    }
    const ids = requestIds(body);
    const duplicate = ids.find((id, i) => session.pending.has(id) || ids.indexOf(id) !== i);
    if (duplicate !== undefined) return duplicate;
    for (const id of ids) session.pending.add(id);
    if (ids.length > 0) session.used = true;
    return undefined;
  }

  /**
   * Closes sessions idle longer than their timeout: clients that vanished without DELETE would otherwise
   * hold their server objects for as long as the gateway runs. A client that comes back gets 404 and, as
   * the spec asks, initializes a new session.
   */
  async sweep(): Promise<number> {
    const { idleTimeoutMs, unusedTimeoutMs, now } = this.#limits;
    const at = now();
    const expired = (s: HttpSession): boolean => {
      const limit = s.used ? idleTimeoutMs : unusedTimeoutMs || idleTimeoutMs;
      return limit > 0 && s.pending.size === 0 && at - s.lastSeen >= limit;
    };
    const stale = [...this.#sessions.values()].filter(expired);
    await Promise.all(stale.map((s) => this.close(s)));
    return stale.length;
  }

  /**
   * Makes room for one more session: at the cap, the longest-idle session with nothing in flight is closed.
   * @returns false when every session is busy (the caller answers 503)
   */
  async makeRoom(): Promise<boolean> {
    if (this.#sessions.size < this.#limits.maxSessions) return true;
    let oldest: HttpSession | undefined;
    for (const session of this.#sessions.values()) {
      if (session.pending.size > 0) continue;
      if (!oldest || session.lastSeen < oldest.lastSeen) oldest = session;
    }
    if (!oldest) return false;
    await this.close(oldest);
    return true;
  }

  /** Forgets a request the client gave up on (its connection dropped before the answer). */
  abandon(session: HttpSession, id: string | number): void {
    session.pending.delete(id);
  }

  /**
   * Creates the transport and server for a new session; it is stored once initialize succeeds. With a
   * signer and the client's initialize params, its id is signed (any replica can rebuild it).
   */
  async open(
    endpoint: string,
    surface: Surface,
    principal: Principal = ANONYMOUS,
    init?: InitializeClaims,
  ): Promise<HttpSession> {
    const signed = init && this.#signer?.sign({ init, principal: principal.id, endpoint });
    return this.#create(endpoint, surface, principal, signed ?? randomToken(24, "base64url"));
  }

  /**
   * Rebuilds a session another replica opened, from its signed id: the client's initialize is replayed
   * to a new server, so it has the same protocol version and capabilities. A forged, altered or expired id
   * (or one of another endpoint) is `unknown`; one of another principal `forbidden`.
   */
  restore(id: string, endpoint: string, surface: Surface, principal: Principal): Promise<Restored> {
    let restoring = this.#restoring.get(id);
    if (!restoring) {
      restoring = this.#rebuild(id, endpoint, surface, principal).finally(() => this.#restoring.delete(id));
      this.#restoring.set(id, restoring);
    }
    return restoring;
  }

  async #rebuild(id: string, endpoint: string, surface: Surface, principal: Principal): Promise<Restored> {
    const claims = this.#signer?.verify(id);
    if (!claims || claims.endpoint !== endpoint) return { ok: false, reason: "unknown" };
    if (claims.principal !== principal.id) return { ok: false, reason: "forbidden" };
    if (await this.#revocations?.revoked(id)) return { ok: false, reason: "unknown" };
    const held = this.#sessions.get(id);
    if (held) return { ok: true, session: held };
    if (!(await this.makeRoom())) return { ok: false, reason: "full" };
    const session = await this.#create(endpoint, surface, principal, id);
    const post = (body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
      session.transport.handleRequest(
        new Request(`http://replica.internal${endpoint}`, {
          method: "POST",
          headers: {
            accept: "application/json, text/event-stream",
            "content-type": "application/json",
            ...headers,
          },
        }),
        { parsedBody: body },
      );
    // The replayed answer goes nowhere: the client read the original one from the replica it initialized on.
    await (await post({ jsonrpc: "2.0", id: 0, method: "initialize", params: claims.init })).text();
    await post({ jsonrpc: "2.0", method: "notifications/initialized" }, { "mcp-session-id": id });
    if (!session.id) {
      await this.discard(session);
      return { ok: false, reason: "unknown" };
    }
    session.used = true;
    return { ok: true, session };
  }

  async #create(endpoint: string, surface: Surface, principal: Principal, id: string): Promise<HttpSession> {
    const server = createSessionServer(this.#gateway, surface, { label: sessionLabel(id), principal });
    const session = {
      endpoint,
      principal,
      server,
      lastSeen: this.#limits.now(),
      used: false,
      pending: new Set(),
    } as unknown as HttpSession;
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => id,
      onsessioninitialized: (id) => {
        session.id = id;
        this.#sessions.set(id, session);
      },
      onsessionclosed: (id) => {
        this.#sessions.delete(id);
        // The client ended it (DELETE): no replica may rebuild it from the signed id.
        const claims = this.#signer?.verify(id);
        if (claims) this.#revocations?.revoke(id, claims.expires);
      },
      maxRequestBodySize: this.#limits.maxBodySize,
    });
    // An answer (result or error) ends its request's time in flight.
    const send = transport.send.bind(transport);
    const origin = this.#relay?.origin;
    transport.send = (message: JSONRPCMessage, options) => {
      if ("id" in message && !("method" in message)) session.pending.delete(message.id as string | number);
      return send(origin ? namedForClient(message, origin) : message, options);
    };
    session.transport = transport;
    // Every way a session ends (DELETE, close, discard of a refused initialize) closes its transport.
    transport.onclose = () => {
      if (session.id) this.#sessions.delete(session.id);
      forgetSessionLabel(id);
    };
    await server.connect(transport);
    if (origin) {
      const onmessage = transport.onmessage;
      transport.onmessage = (message, extra) => {
        const named =
          "method" in message ? undefined : parseReplicaRequestId((message as { id?: unknown }).id);
        onmessage?.(
          named?.origin === origin ? ({ ...message, id: named.id } as JSONRPCMessage) : message,
          extra,
        );
      };
    }
    return session;
  }

  /** Closes a session that never got an id (its initialize was refused). */
  async discard(session: HttpSession): Promise<void> {
    await session.server.close().catch(() => undefined);
  }

  /** Closes one session now (its id stops working). */
  async close(session: HttpSession): Promise<void> {
    this.#sessions.delete(session.id);
    await session.server.close().catch(() => undefined);
  }

  async closeAll(): Promise<void> {
    const sessions = [...this.#sessions.values()];
    this.#sessions.clear();
    await Promise.all(sessions.map((s) => s.server.close().catch(() => undefined)));
  }
}
