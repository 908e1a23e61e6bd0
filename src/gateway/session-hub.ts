import type { ClientCapabilities, LoggingLevel } from "@modelcontextprotocol/sdk/types.js";
import type { Backend, BackendNotification, ListKind } from "../backends/backend.ts";
import type { BackendPool } from "../backends/pool.ts";
import { GatewayError } from "../errors.ts";

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
/**
 * One connected client session, as the gateway sees it: how to reach the client (notifications, requests)
 * and what it asked for. Front ends create one per session; the SDK objects stay behind `notify`/`request`.
 */
export interface SessionPeer {
  /** A short label for logs: never the session id itself (which is a credential). */
  label: string;
  /** The backend this session is bound to (`/mcp/{backend}`), or undefined for the aggregate surface. */
  backend: string | undefined;
  /** Meta-mode sessions see four fixed tools: their tool list never changes. */
  meta: boolean;
  /** Lowest log level the client asked for with logging/setLevel. */
  logLevel: LoggingLevel | undefined;
  /** Resource URIs the client subscribed to, by backend. */
  subscriptions: Set<string>;
  /** Sends a notification to the client (errors are the caller's to ignore). */
  notify(notification: { method: string; params?: Record<string, unknown> | undefined }): Promise<void>;
  /** Sends a request to the client and returns its raw result. */
  request(
    method: string,
    params: Record<string, unknown>,
    options: { relatedRequestId?: string | number | undefined; signal: AbortSignal },
  ): Promise<Record<string, unknown>>;
  /** What the client declared at initialize. */
  clientCapabilities(): ClientCapabilities | undefined;
  /**
   * Whether this session may hear about a backend (its log messages, resource updates, list changes): false
   * for a backend its principal's profile does not reach. @default every backend
   */
  hears?: ((server: string) => boolean) | undefined;
}

/** A backend notification one replica passes to the sessions other replicas hold. */
export type HubEvent =
  | { type: "list_changed"; backend: string; kind: ListKind }
  /** `sessions`: labels of the sessions subscribed here (their GET stream may be on another replica). */
  | { type: "resource_updated"; backend: string; uri: string; sessions: string[] };

/** Carries {@link HubEvent}s between replicas (see `src/cluster/`); without it, notifications stay here. */
export interface HubFanOut {
  publish(event: HubEvent): void;
  /** Calls `listener` with the events other replicas publish. */
  subscribe(listener: (event: HubEvent) => void): void;
}

interface ActiveCall {
  session: SessionPeer;
  requestId: string | number | undefined;
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
  readonly #pool: BackendPool;
  readonly #sessions = new Set<SessionPeer>();
  readonly #active = new Map<string, ActiveCall[]>();
  /** (backend, uri) → number of sessions subscribed. */
  readonly #subscribers = new Map<string, number>();
  #inflight = 0;
  #idleWaiters: (() => void)[] = [];
  readonly #replicas: HubFanOut | undefined;

  constructor(pool: BackendPool, options: { fanOut?: HubFanOut | undefined } = {}) {
    this.#pool = pool;
    this.#replicas = options.fanOut;
    this.#replicas?.subscribe((event) => this.#remote(event));
    for (const backend of pool.all()) this.#attach(backend);
    pool.onChange((event) => {
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
    backend.onToolsChanged((kind) => {
      this.#listChanged(backend.name, kind ?? "tools");
      this.#replicas?.publish({ type: "list_changed", backend: backend.name, kind: kind ?? "tools" });
    });
  }

  get sessionCount(): number {
    return this.#sessions.size;
  }

  add(session: SessionPeer): () => void {
    this.#sessions.add(session);
    return () => this.remove(session);
  }

  remove(session: SessionPeer): void {
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
    const able = (s: SessionPeer): boolean =>
      capability !== undefined && s.clientCapabilities()?.[capability] !== undefined;
    const call = calls.find((c) => able(c.session));
    if (call) {
      return call.session.request(method, params ?? {}, { relatedRequestId: call.requestId, signal });
    }
    // roots/list can come outside any call (right after initialize): ask the latest capable session.
    const session = method === "roots/list" ? [...this.#sessions].reverse().find(able) : undefined;
    if (session) return session.request(method, params ?? {}, { signal });
    throw new GatewayError(
      "INVALID_REQUEST",
      calls.length > 0
        ? `the client that made this call did not declare ${capability ?? method}`
        : `no client call is in progress that could answer ${method}`,
    );
  }

  /** Where a backend's `notifications/tasks/status` goes (the gateway's task routes know the session). */
  onTaskStatus: ((backend: string, notification: BackendNotification) => void) | undefined;

  #fanOut(backend: string, notification: BackendNotification): void {
    if (notification.method === "notifications/tasks/status") {
      this.onTaskStatus?.(backend, notification);
      return;
    }
    if (notification.method === "notifications/message") {
      const level = notification.params?.level as LoggingLevel | undefined;
      const busy = new Set((this.#active.get(backend) ?? []).map((c) => c.session));
      const targets = busy.size > 0 ? busy : this.#sessionsFor(backend);
      for (const session of targets) {
        if (session.logLevel && level && LEVELS.indexOf(level) < LEVELS.indexOf(session.logLevel)) continue;
        void session.notify(notification).catch(() => undefined);
      }
      return;
    }
    if (notification.method === "notifications/resources/updated") {
      const uri = String(notification.params?.uri ?? "");
      const subscribed: string[] = [];
      for (const session of this.#sessions) {
        if (session.subscriptions.has(subscriptionKey(backend, uri))) {
          subscribed.push(session.label);
          void session.notify(notification).catch(() => undefined);
        }
      }
      if (subscribed.length > 0) {
        this.#replicas?.publish({ type: "resource_updated", backend, uri, sessions: subscribed });
      }
    }
  }

  /** Another replica's notification, for the sessions held here. */
  #remote(event: HubEvent): void {
    if (event.type === "list_changed") {
      this.#listChanged(event.backend, event.kind);
      return;
    }
    const wanted = new Set(event.sessions);
    const key = subscriptionKey(event.backend, event.uri);
    for (const session of this.#sessions) {
      // A session subscribed here hears it from this replica's own backend connection.
      if (!wanted.has(session.label) || session.subscriptions.has(key)) continue;
      if (!(session.hears?.(event.backend) ?? true)) continue;
      const params = { uri: event.uri };
      void session.notify({ method: "notifications/resources/updated", params }).catch(() => undefined);
    }
  }

  #sessionsFor(backend: string): SessionPeer[] {
    return [...this.#sessions].filter(
      (s) => (s.backend === undefined || s.backend === backend) && (s.hears?.(backend) ?? true),
    );
  }

  #listChanged(backend: string, kind: ListKind): void {
    for (const session of this.#sessionsFor(backend)) {
      if (kind === "tools" && session.meta) continue;
      const method = `notifications/${kind}/list_changed`;
      void session.notify({ method }).catch(() => undefined);
    }
  }

  /** Records a session's subscription and subscribes the backend on the first one. */
  async subscribe(
    session: SessionPeer,
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
    session: SessionPeer,
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
    await this.#pool.get(backendName)?.request?.("resources/unsubscribe", { uri }, options);
  }

  /** Forwards a client's logging/setLevel to the backends it reaches that support logging. */
  async setLogLevel(session: SessionPeer, level: LoggingLevel): Promise<void> {
    session.logLevel = level;
    const backends = session.backend
      ? [this.#pool.get(session.backend)].filter((b) => b !== undefined)
      : this.#pool.all();
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
