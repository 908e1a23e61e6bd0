import { randomBytes } from "node:crypto";
import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { Surface } from "../../gateway/call-context.ts";
import type { Gateway } from "../../gateway/gateway.ts";
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
}

/** Live Streamable HTTP sessions keyed by their cryptographically random id. */
export class SessionStore {
  readonly #sessions = new Map<string, HttpSession>();
  readonly #gateway: Gateway;
  readonly #maxBodySize: number;
  readonly #idleTimeoutMs: number;
  readonly #now: () => number;

  /**
   * @param options.idleTimeoutMs close a session the client has not used for this long (0 = never)
   * @param options.now clock, ms since epoch. @default Date.now
   */
  constructor(
    gateway: Gateway,
    options: { maxBodySize: number; idleTimeoutMs?: number; now?: () => number },
  ) {
    this.#gateway = gateway;
    this.#maxBodySize = options.maxBodySize;
    this.#idleTimeoutMs = options.idleTimeoutMs ?? 0;
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** The session with this id, marked as just used. */
  use(id: string): HttpSession | undefined {
    const session = this.#sessions.get(id);
    if (session) session.lastSeen = this.#now();
    return session;
  }

  /**
   * Closes sessions idle longer than the timeout: clients that vanished without DELETE would otherwise
   * hold their server objects for as long as the gateway runs. A client that comes back gets 404 and, as
   * the spec asks, initializes a new session.
   */
  async sweep(): Promise<number> {
    if (this.#idleTimeoutMs <= 0) return 0;
    const now = this.#now();
    const stale = [...this.#sessions.values()].filter((s) => now - s.lastSeen >= this.#idleTimeoutMs);
    for (const session of stale) this.#sessions.delete(session.id);
    await Promise.all(stale.map((s) => s.server.close().catch(() => undefined)));
    return stale.length;
  }

  /** Creates the transport and server for a new session; it is stored once initialize succeeds. */
  async open(endpoint: string, surface: Surface): Promise<HttpSession> {
    const server = createSessionServer(this.#gateway, surface, { label: "new" });
    const session = { endpoint, server, lastSeen: this.#now() } as HttpSession;
    session.transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomBytes(24).toString("base64url"),
      onsessioninitialized: (id) => {
        session.id = id;
        this.#sessions.set(id, session);
      },
      onsessionclosed: (id) => {
        this.#sessions.delete(id);
      },
      maxRequestBodySize: this.#maxBodySize,
    });
    session.transport.onclose = () => {
      if (session.id) this.#sessions.delete(session.id);
    };
    await server.connect(session.transport);
    return session;
  }

  async closeAll(): Promise<void> {
    const sessions = [...this.#sessions.values()];
    this.#sessions.clear();
    await Promise.all(sessions.map((s) => s.server.close().catch(() => undefined)));
  }
}
