import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import {
  type ClientCapabilities,
  ErrorCode,
  type LoggingLevel,
  McpError,
  type RequestId,
} from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import type { Backend, BackendNotification, ListKind } from "../backends/backend.ts";
import type { Gateway } from "../gateway.ts";

const LEVELS: LoggingLevel[] = [
  "debug",
  "info",
  "notice",
  "warning",
  "error",
  "critical",
  "alert",
  "emergency",
];
const Raw = z.looseObject({});

/** One connected client session, as the hub sees it. */
export interface SessionLink {
  server: Server;
  /** The backend this session is bound to (`/mcp/{backend}`), or undefined for the aggregate surface. */
  backend: string | undefined;
  /** Meta-mode sessions see four fixed tools: their tool list never changes. */
  meta: boolean;
  /** Lowest log level the client asked for with logging/setLevel. */
  logLevel: LoggingLevel | undefined;
  /** Resource URIs the client subscribed to, by backend. */
  subscriptions: Set<string>;
}

interface ActiveCall {
  session: SessionLink;
  requestId: RequestId;
}

const CAPABILITY_FOR: Record<string, keyof ClientCapabilities> = {
  "sampling/createMessage": "sampling",
  "elicitation/create": "elicitation",
  "roots/list": "roots",
};

/**
 * Everything that crosses sessions: which client call is running on which backend (so a backend's
 * sampling/elicitation/roots request reaches the client that caused it), log messages, resource updates
 * and list changes fanned out to the sessions that care.
 */
export class SessionHub {
  static readonly #hubs = new WeakMap<Gateway, SessionHub>();

  /** The one hub of a gateway (every front end of the process shares it). */
  static of(gateway: Gateway): SessionHub {
    let hub = SessionHub.#hubs.get(gateway);
    if (!hub) {
      hub = new SessionHub(gateway);
      SessionHub.#hubs.set(gateway, hub);
    }
    return hub;
  }

  readonly #gateway: Gateway;
  readonly #sessions = new Set<SessionLink>();
  readonly #active = new Map<string, ActiveCall[]>();
  /** (backend, uri) → number of sessions subscribed. */
  readonly #subscribers = new Map<string, number>();
  #inflight = 0;
  #idleWaiters: (() => void)[] = [];

  private constructor(gateway: Gateway) {
    this.#gateway = gateway;
    for (const backend of gateway.pool.all()) this.#attach(backend);
    gateway.pool.onChange((event) => {
      if (event.type === "added") this.#attach(event.backend);
      for (const kind of ["tools", "resources", "prompts"] as const)
        this.#listChanged(event.backend.name, kind);
    });
  }

  #attach(backend: Backend): void {
    backend.setClientRequestHandler?.((method, params, signal) =>
      this.#routeClientRequest(backend.name, method, params, signal),
    );
    backend.onNotification?.((n) => this.#fanOut(backend.name, n));
    backend.onToolsChanged((kind) => this.#listChanged(backend.name, kind ?? "tools"));
  }

  get sessionCount(): number {
    return this.#sessions.size;
  }

  add(session: SessionLink): () => void {
    this.#sessions.add(session);
    return () => this.remove(session);
  }

  remove(session: SessionLink): void {
    if (!this.#sessions.delete(session)) return;
    for (const key of session.subscriptions) void this.unsubscribe(session, key).catch(() => undefined);
  }

  /** Runs a backend request on behalf of a session, so requests the backend sends meanwhile find it. */
  async track<T>(backend: string, call: ActiveCall, run: () => Promise<T>): Promise<T> {
    const list = this.#active.get(backend) ?? [];
    list.push(call);
    this.#active.set(backend, list);
    this.#inflight++;
    try {
      return await run();
    } finally {
      const index = list.indexOf(call);
      if (index >= 0) list.splice(index, 1);
      this.#inflight--;
      if (this.#inflight === 0) for (const wake of this.#idleWaiters.splice(0)) wake();
    }
  }

  /** Client calls currently running on backends. */
  get inflight(): number {
    return this.#inflight;
  }

  /** Resolves when no client call is running (at once if none is). */
  whenIdle(): Promise<void> {
    if (this.#inflight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  async #routeClientRequest(
    backend: string,
    method: string,
    params: Record<string, unknown> | undefined,
    signal: AbortSignal,
  ): Promise<Record<string, unknown>> {
    const capability = CAPABILITY_FOR[method];
    const calls = [...(this.#active.get(backend) ?? [])].reverse();
    const able = (s: SessionLink): boolean =>
      capability !== undefined && s.server.getClientCapabilities()?.[capability] !== undefined;
    const call = calls.find((c) => able(c.session));
    if (call) {
      return call.session.server.request({ method, params: params ?? {} }, Raw, {
        relatedRequestId: call.requestId,
        signal,
      });
    }
    // roots/list can come outside any call (right after initialize): ask the latest capable session.
    const session = method === "roots/list" ? [...this.#sessions].reverse().find(able) : undefined;
    if (session) return session.server.request({ method, params: params ?? {} }, Raw, { signal });
    throw new McpError(
      ErrorCode.InvalidRequest,
      calls.length > 0
        ? `the client that made this call did not declare ${capability ?? method}`
        : `no client call is in progress that could answer ${method}`,
    );
  }

  #fanOut(backend: string, notification: BackendNotification): void {
    if (notification.method === "notifications/message") {
      const level = notification.params?.level as LoggingLevel | undefined;
      const busy = new Set((this.#active.get(backend) ?? []).map((c) => c.session));
      const targets = busy.size > 0 ? busy : this.#sessionsFor(backend);
      for (const session of targets) {
        if (session.logLevel && level && LEVELS.indexOf(level) < LEVELS.indexOf(session.logLevel)) continue;
        void session.server.notification(notification as never).catch(() => undefined);
      }
      return;
    }
    if (notification.method === "notifications/resources/updated") {
      const uri = String(notification.params?.uri ?? "");
      for (const session of this.#sessions) {
        if (session.subscriptions.has(subscriptionKey(backend, uri))) {
          void session.server.notification(notification as never).catch(() => undefined);
        }
      }
    }
  }

  #sessionsFor(backend: string): SessionLink[] {
    return [...this.#sessions].filter((s) => s.backend === undefined || s.backend === backend);
  }

  #listChanged(backend: string, kind: ListKind): void {
    for (const session of this.#sessionsFor(backend)) {
      if (kind === "tools" && session.meta) continue;
      const method = `notifications/${kind}/list_changed`;
      void session.server.notification({ method } as never).catch(() => undefined);
    }
  }

  /** Records a session's subscription and subscribes the backend on the first one. */
  async subscribe(
    session: SessionLink,
    backend: Backend,
    uri: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<void> {
    const key = subscriptionKey(backend.name, uri);
    if (session.subscriptions.has(key)) return;
    const count = this.#subscribers.get(key) ?? 0;
    if (count === 0) await backend.request?.("resources/subscribe", { uri }, options);
    this.#subscribers.set(key, count + 1);
    session.subscriptions.add(key);
  }

  /** Drops a session's subscription and unsubscribes the backend after the last one. */
  async unsubscribe(
    session: SessionLink,
    key: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<void> {
    if (!session.subscriptions.delete(key)) return;
    const count = (this.#subscribers.get(key) ?? 1) - 1;
    if (count > 0) {
      this.#subscribers.set(key, count);
      return;
    }
    this.#subscribers.delete(key);
    const [backendName, uri] = splitKey(key);
    await this.#gateway.pool.get(backendName)?.request?.("resources/unsubscribe", { uri }, options);
  }

  /** Forwards a client's logging/setLevel to the backends it reaches that support logging. */
  async setLogLevel(session: SessionLink, level: LoggingLevel): Promise<void> {
    session.logLevel = level;
    const backends = session.backend
      ? [this.#gateway.pool.get(session.backend)].filter((b) => b !== undefined)
      : this.#gateway.pool.all();
    await Promise.all(
      backends
        .filter((b) => b.capabilities?.logging !== undefined && b.snapshot().status === "running")
        .map((b) => b.request?.("logging/setLevel", { level }).catch(() => undefined)),
    );
  }
}

/** Key of one (backend, uri) subscription. */
export function subscriptionKey(backend: string, uri: string): string {
  return `${backend}\u0000${uri}`;
}

function splitKey(key: string): [string, string] {
  const index = key.indexOf("\u0000");
  return [key.slice(0, index), key.slice(index + 1)];
}
