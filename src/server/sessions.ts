import { randomBytes } from "node:crypto";
import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { Gateway } from "../gateway.ts";
import { SessionHub } from "./hub.ts";
import { createSessionServer, type Surface } from "./session-server.ts";

/** One client's MCP session over Streamable HTTP. */
export interface HttpSession {
  id: string;
  /** Which endpoint created it (`/mcp` or `/mcp/<backend>`); the id is valid only there. */
  endpoint: string;
  transport: WebStandardStreamableHTTPServerTransport;
  server: Server;
}

/** Live Streamable HTTP sessions keyed by their cryptographically random id. */
export class SessionStore {
  readonly #sessions = new Map<string, HttpSession>();
  readonly #gateway: Gateway;
  readonly #maxBodySize: number;

  constructor(gateway: Gateway, options: { maxBodySize: number }) {
    this.#gateway = gateway;
    this.#maxBodySize = options.maxBodySize;
  }

  get size(): number {
    return this.#sessions.size;
  }

  get(id: string): HttpSession | undefined {
    return this.#sessions.get(id);
  }

  /** Creates the transport and server for a new session; it is stored once initialize succeeds. */
  async open(endpoint: string, surface: Surface): Promise<HttpSession> {
    const server = createSessionServer(this.#gateway, SessionHub.of(this.#gateway), surface);
    const session = { endpoint, server } as HttpSession;
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
