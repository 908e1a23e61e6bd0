import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { Protocol } from "@modelcontextprotocol/sdk/shared/protocol.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ErrorCode,
  ListRootsRequestSchema,
  McpError,
  type Prompt,
  type Resource,
  type ResourceTemplate,
  type ServerCapabilities,
  type Tool,
} from "@modelcontextprotocol/sdk/types.js";
import type { ConsolaInstance } from "consola";
import { errorMessage, GatewayError, isGatewayError } from "../errors.ts";
import { VERSION } from "../version.ts";
import type {
  Backend,
  BackendNotification,
  BackendSnapshot,
  BackendStatus,
  CallOptions,
  ClientRequestHandler,
  ListKind,
  ToolsSource,
  TransportKind,
} from "./backend.ts";
import { BackendLists } from "./lists.ts";
import type { ManifestStore } from "./manifest.ts";
import { ProgressRouter, sendRequest } from "./requests.ts";

/** A transport plus what it can tell about a failure (stderr tail, pid). */
export interface BackendTransport extends Transport {
  readonly pid?: number | undefined;
  readonly stderrTail?: string[];
  readonly exitCode?: number | null;
  /** The transport actually used, when the factory had to detect it. */
  readonly kind?: TransportKind;
  /** Ends the connection at once, without a polite shutdown (a hung process). */
  terminate?(): Promise<void>;
}

/** Options for an MCP backend reached through the official SDK client. */
export interface McpBackendOptions {
  name: string;
  description: string;
  transport: TransportKind;
  /** Builds a fresh, connected-ready transport for each (re)start (may probe, hence async). */
  connect: () => BackendTransport | Promise<BackendTransport>;
  /** Per-request timeout in milliseconds; progress notifications reset it. */
  timeoutMs: number;
  /** Hard cap on one request however much progress it reports. @default none */
  maxTimeoutMs?: number | undefined;
  /** How long initialize + the first listings may take. @default timeoutMs */
  startTimeoutMs?: number;
  /** Declare `roots` to the backend and relay its roots/list to the client. @default false */
  forwardRoots?: boolean;
  log: ConsolaInstance;
  /** @default Date.now */
  now?: () => number;
  /** Stop the backend after this long without a request (it restarts on the next call). 0 = never. @default 0 */
  idleTimeoutMs?: number;
  /** Ping a running backend this often; one that does not answer is restarted. 0 = never. @default 0 */
  pingIntervalMs?: number;
  /** Where the tool list is remembered between runs. */
  manifest?: { store: ManifestStore; key: string } | undefined;
  /** Restart a backend that died in the background, with exponential backoff. @default true */
  autoRestart?: boolean;
  /** First and longest wait between background restarts. @default { initialMs: 1000, maxMs: 60000 } */
  restartBackoff?: { initialMs: number; maxMs: number };
  /** @default globalThis timers */
  timers?: { setTimeout: typeof setTimeout; clearTimeout: typeof clearTimeout };
}

const LIST_CHANGED: Record<string, ListKind> = {
  "notifications/tools/list_changed": "tools",
  "notifications/resources/list_changed": "resources",
  "notifications/prompts/list_changed": "prompts",
};

/** A backend spoken to with the SDK `Client`: initialize, paginated lists, raw relay of every request. */
export class McpBackend implements Backend {
  readonly name: string;
  readonly description: string;
  #kind: TransportKind;

  readonly #options: McpBackendOptions;
  #status: BackendStatus = "configured";
  #inflight = 0;
  #lastUsed = 0;
  #lastPing = 0;
  #sleeping = false;
  #restartTimer: ReturnType<typeof setTimeout> | undefined;
  #backoffMs = 0;
  readonly #progress = new ProgressRouter();
  #lastError: string | undefined;
  readonly #lists: BackendLists;
  #restarts = 0;
  #everStarted = false;
  #client: Client | undefined;
  #transport: BackendTransport | undefined;
  #starting: Promise<void> | undefined;
  readonly #refreshing = new Map<ListKind, Promise<void>>();
  #stopping = false;
  #clientRequests: ClientRequestHandler | undefined;
  readonly #listeners = new Set<(kind: ListKind) => void>();
  readonly #notificationListeners = new Set<(n: BackendNotification) => void>();

  constructor(options: McpBackendOptions) {
    this.#options = options;
    this.name = options.name;
    this.description = options.description;
    this.#kind = options.transport;
    this.#lists = new BackendLists({
      manifest: options.manifest,
      timeoutMs: options.timeoutMs,
      now: () => this.#now(),
      log: options.log,
    });
    if (this.#lists.restore()) this.#status = "sleeping";
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }

  /** Where the current tool list came from. */
  get toolsSource(): ToolsSource {
    return this.#lists.source;
  }

  get transport(): TransportKind {
    return this.#kind;
  }

  get tools(): readonly Tool[] {
    return this.#lists.tools;
  }
  get resources(): readonly Resource[] {
    return this.#lists.resources;
  }
  get resourceTemplates(): readonly ResourceTemplate[] {
    return this.#lists.templates;
  }
  get prompts(): readonly Prompt[] {
    return this.#lists.prompts;
  }
  get capabilities(): ServerCapabilities | undefined {
    return this.#lists.capabilities;
  }
  get toolsListedAt(): number | undefined {
    return this.#lists.listedAt;
  }

  snapshot(): BackendSnapshot {
    return {
      name: this.name,
      description: this.description,
      transport: this.transport,
      status: this.#status,
      tools: this.#lists.tools.length,
      restarts: this.#restarts,
      lastError: this.#lastError,
      pid: this.#status === "running" ? this.#transport?.pid : undefined,
      toolsSource: this.#lists.source,
    };
  }

  onToolsChanged(listener: (kind: ListKind) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  onNotification(listener: (notification: BackendNotification) => void): () => void {
    this.#notificationListeners.add(listener);
    return () => this.#notificationListeners.delete(listener);
  }

  setClientRequestHandler(handler: ClientRequestHandler): void {
    this.#clientRequests = handler;
  }

  start(): Promise<void> {
    if (this.#status === "running") return Promise.resolve();
    this.#starting ??= this.#start().finally(() => {
      this.#starting = undefined;
    });
    return this.#starting;
  }

  #newClient(): Client {
    const client = new Client(
      { name: "mcp-gateway", version: VERSION },
      {
        capabilities: {
          sampling: {},
          elicitation: {},
          ...(this.#options.forwardRoots ? { roots: { listChanged: true } } : {}),
        },
      },
    );
    const relay = (method: string) => (request: { params?: unknown }, extra: { signal: AbortSignal }) => {
      const handler = this.#clientRequests;
      if (!handler) throw new McpError(ErrorCode.MethodNotFound, `no client can answer ${method}`);
      return handler(method, request.params as Record<string, unknown> | undefined, extra.signal);
    };
    // Registered on Protocol directly: the Client's own wrappers would re-validate and rewrite the
    // client's answer; the gateway relays it untouched.
    const register = (schema: Parameters<Client["setRequestHandler"]>[0], method: string): void =>
      Protocol.prototype.setRequestHandler.call(client, schema, relay(method) as never);
    register(CreateMessageRequestSchema, "sampling/createMessage");
    register(ElicitRequestSchema, "elicitation/create");
    if (this.#options.forwardRoots) register(ListRootsRequestSchema, "roots/list");
    client.fallbackNotificationHandler = async (notification) => {
      const kind = LIST_CHANGED[notification.method];
      if (kind) {
        await this.#refresh(kind).catch((err) =>
          this.#options.log.warn(`${kind} list refresh failed: ${errorMessage(err)}`),
        );
        return;
      }
      for (const listener of this.#notificationListeners) {
        listener({ method: notification.method, params: notification.params as Record<string, unknown> });
      }
    };
    client.onclose = () => this.#onClosed(client);
    client.onerror = (err) => {
      this.#options.log.debug(`transport error: ${errorMessage(err)}`);
      // A legacy SSE stream cannot be resumed: once it breaks, the session behind it is gone (EventSource
      // would silently reconnect into a new, uninitialised one). Treat it as a lost connection.
      if (this.#kind === "sse" && client === this.#client && this.#status === "running") {
        this.#status = "error";
        this.#lastError = `SSE stream lost: ${errorMessage(err)}`;
        this.#client = undefined;
        this.#options.log.warn(`${this.#lastError} (reconnecting)`);
        void client.close().catch(() => undefined);
        this.#scheduleRestart();
      }
    };
    return client;
  }

  async #start(): Promise<void> {
    const waking = this.#status === "sleeping";
    this.#stopping = false;
    this.#sleeping = false;
    this.#cancelRestart();
    this.#status = "starting";
    // Waking from idle sleep is not a restart; coming back after a crash or a lost session is.
    if (this.#everStarted && !waking) this.#restarts++;
    this.#everStarted = true;
    const client = this.#newClient();
    this.#client = client;
    this.#transport = undefined;
    const timeout = this.#options.startTimeoutMs ?? this.#options.timeoutMs;
    try {
      const transport = await this.#options.connect();
      this.#transport = transport;
      if (transport.kind) this.#kind = transport.kind;
      await client.connect(transport, { timeout });
      this.#progress.attach(transport);
      await this.#lists.load(client);
      this.#status = "running";
      this.#lastError = undefined;
      this.#backoffMs = 0;
      this.#lastUsed = this.#now();
      this.#lastPing = this.#lastUsed;
      this.#options.log.info(`ready: ${this.#lists.tools.length} tools`);
      for (const kind of ["tools", "resources", "prompts"] as const) this.#emit(kind);
    } catch (err) {
      const message = this.#describeFailure(err);
      this.#status = "error";
      this.#lastError = message;
      this.#client = undefined;
      await client.close().catch(() => undefined);
      throw new GatewayError("BACKEND_UNAVAILABLE", `backend "${this.name}": ${message}`, { cause: err });
    }
  }

  #describeFailure(err: unknown): string {
    const base = isGatewayError(err) ? err.message : errorMessage(err);
    const tail = this.#transport?.stderrTail?.at(-1);
    const exit = this.#transport?.exitCode;
    const parts = [base];
    if (exit !== undefined && exit !== null) parts.push(`exit code ${exit}`);
    if (tail) parts.push(`last stderr: ${tail.slice(0, 200)}`);
    return parts.join("; ");
  }

  #onClosed(client: Client): void {
    if (client !== this.#client) return;
    this.#client = undefined;
    if (this.#stopping) {
      this.#status = "stopped";
      return;
    }
    if (this.#sleeping) {
      this.#status = "sleeping";
      return;
    }
    if (this.#status === "running") {
      this.#status = "error";
      this.#lastError = this.#describeFailure(new Error("backend closed the connection"));
      this.#options.log.warn(`stopped unexpectedly: ${this.#lastError} (restarting)`);
      this.#scheduleRestart();
    }
  }

  /** Restarts a dead backend in the background: 1 s, 2 s, 4 s … up to a minute between tries. */
  #scheduleRestart(): void {
    if (this.#options.autoRestart === false || this.#restartTimer || this.#stopping) return;
    const backoff = this.#options.restartBackoff ?? { initialMs: 1000, maxMs: 60_000 };
    this.#backoffMs =
      this.#backoffMs === 0 ? backoff.initialMs : Math.min(this.#backoffMs * 2, backoff.maxMs);
    const timers = this.#options.timers ?? globalThis;
    this.#restartTimer = timers.setTimeout(() => {
      this.#restartTimer = undefined;
      if (this.#status !== "error" || this.#stopping) return;
      this.start().catch(() => this.#scheduleRestart());
    }, this.#backoffMs);
    (this.#restartTimer as { unref?: () => void }).unref?.();
  }

  #cancelRestart(): void {
    if (!this.#restartTimer) return;
    (this.#options.timers ?? globalThis).clearTimeout(this.#restartTimer);
    this.#restartTimer = undefined;
  }

  /** Idle sleep and health pings, driven by the pool's periodic tick. */
  tick(now: number): void {
    if (this.#status !== "running" || this.#starting) return;
    const idle = this.#options.idleTimeoutMs ?? 0;
    if (idle > 0 && this.#inflight === 0 && now - this.#lastUsed >= idle) {
      void this.sleep();
      return;
    }
    const every = this.#options.pingIntervalMs ?? 0;
    if (every > 0 && now - this.#lastPing >= every) {
      this.#lastPing = now;
      void this.#ping();
    }
  }

  async #ping(): Promise<void> {
    const client = this.#client;
    if (!client) return;
    try {
      await client.ping({ timeout: Math.min(this.#options.timeoutMs, 10_000) });
    } catch (err) {
      if (client !== this.#client) return;
      this.#lastError = `did not answer ping: ${errorMessage(err)}`;
      this.#options.log.warn(`${this.#lastError}; restarting`);
      // A process that cannot answer a ping will not honour stdin EOF or SIGTERM either.
      await this.#transport?.terminate?.().catch(() => undefined);
      await this.#restart().catch(() => undefined);
    }
  }

  /** Stops the backend until the next call (tools stay known); no-op while requests are in flight. */
  async sleep(): Promise<void> {
    if (this.#status !== "running" || this.#inflight > 0) return;
    this.#options.log.info("idle: sleeping until the next call");
    this.#sleeping = true;
    const client = this.#client;
    this.#client = undefined;
    this.#status = "sleeping";
    await client?.close().catch(() => undefined);
  }

  refreshTools(): Promise<void> {
    return this.#refresh("tools");
  }

  #refresh(kind: ListKind): Promise<void> {
    let running = this.#refreshing.get(kind);
    if (!running) {
      running = this.#reload(kind).finally(() => this.#refreshing.delete(kind));
      this.#refreshing.set(kind, running);
    }
    return running;
  }

  async #reload(kind: ListKind): Promise<void> {
    const client = this.#client;
    if (client && (await this.#lists.reload(client, kind))) this.#emit(kind);
  }

  #emit(kind: ListKind): void {
    for (const listener of this.#listeners) listener(kind);
  }

  callTool(
    name: string,
    args: Record<string, unknown>,
    options: CallOptions = {},
  ): Promise<Record<string, unknown>> {
    return this.request("tools/call", { name, arguments: args }, options);
  }

  async request(
    method: string,
    params: Record<string, unknown> | undefined,
    options: CallOptions = {},
  ): Promise<Record<string, unknown>> {
    this.#inflight++;
    this.#lastUsed = this.#now();
    try {
      if (this.#status !== "running") await this.start();
      return await this.#send(method, params, options);
    } catch (err) {
      // A Streamable HTTP backend that restarted forgets our session and refuses it: the request never
      // ran, so re-initialize and send it once more.
      if (isSessionLost(err)) {
        this.#options.log.warn(
          `backend lost our session (${errorMessage(err).slice(0, 120)}); re-initializing`,
        );
        await this.#restart();
        return await this.#send(method, params, options);
      }
      throw err;
    } finally {
      this.#inflight--;
      this.#lastUsed = this.#now();
    }
  }

  #send(
    method: string,
    params: Record<string, unknown> | undefined,
    options: CallOptions,
  ): Promise<Record<string, unknown>> {
    const client = this.#client;
    if (!client) throw new GatewayError("BACKEND_UNAVAILABLE", `backend "${this.name}" is not running`);
    return sendRequest(
      client,
      this.#progress,
      { method, params },
      {
        backend: this.name,
        idleTimeoutMs: this.#options.timeoutMs,
        maxTimeoutMs: this.#options.maxTimeoutMs,
        signal: options.signal,
        onProgress: options.onProgress,
      },
    );
  }

  async #restart(): Promise<void> {
    const old = this.#client;
    this.#client = undefined;
    this.#status = "stopped";
    if (old) await old.close().catch(() => undefined);
    await this.start();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.#cancelRestart();
    const client = this.#client;
    const transport = this.#transport;
    this.#client = undefined;
    this.#status = "stopped";
    if (client) await client.close().catch(() => undefined);
    else if (transport) await transport.close().catch(() => undefined);
  }
}

/**
 * True when a Streamable HTTP backend refused our session id: 404 per the spec, or 400 naming the session
 * (what several real servers, server-everything among them, answer after a restart).
 */
function isSessionLost(err: unknown): boolean {
  if (!(err instanceof StreamableHTTPError)) return false;
  return err.code === 404 || (err.code === 400 && /session/i.test(err.message));
}
