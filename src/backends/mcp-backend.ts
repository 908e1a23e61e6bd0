import type {
  Prompt,
  Resource,
  ResourceTemplate,
  ServerCapabilities,
  Tool,
} from "@modelcontextprotocol/sdk/types.js";
import type { ConsolaInstance } from "consola";
import { errorMessage } from "../errors.ts";
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
import { isSdkTimeout, isSessionLost, McpConnection } from "./connection.ts";
import { BackendUnavailableError, ConnectionEpochs } from "./connection-failure.ts";
import { BackendLists } from "./lists.ts";
import type { ManifestStore } from "./manifest.ts";
import { RestartBackoff, type Timers } from "./restart-backoff.ts";
import { createSdkClient } from "./sdk-client.ts";
import type { BackendTransport } from "./transport.ts";

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
  timers?: Timers;
  /**
   * Scrubs secrets (URL credentials and query values, header values) from every error text the backend
   * shows: its last error, its log lines and the errors its requests throw. @default text unchanged
   */
  redact?: (text: string) => string;
}

/**
 * A backend spoken to with the SDK `Client`: the lifecycle (start, crash → background restart with
 * backoff, idle sleep, health pings, stop) around one {@link McpConnection} at a time, which relays the
 * requests.
 */
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
  readonly #backoff: RestartBackoff;
  readonly #epochs = new ConnectionEpochs();
  #lastError: string | undefined;
  readonly #lists: BackendLists;
  #restarts = 0;
  #everStarted = false;
  // The live connection; undefined while stopped, sleeping, failed or between restarts.
  #connection: McpConnection | undefined;
  // The latest connection attempt, kept after a failure for its pid, exit code and stderr.
  #last: McpConnection | undefined;
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
    this.#backoff = new RestartBackoff({ ...options.restartBackoff, timers: options.timers });
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
      pid: this.#status === "running" ? this.#last?.transport?.pid : undefined,
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

  #newConnection(): McpConnection {
    const client = createSdkClient({
      forwardRoots: this.#options.forwardRoots ?? false,
      clientRequests: () => this.#clientRequests,
      onListChanged: (kind) =>
        this.#refresh(kind).catch((err) =>
          this.#options.log.warn(`${kind} list refresh failed: ${errorMessage(err)}`),
        ),
      onNotification: (notification) => {
        for (const listener of this.#notificationListeners) listener(notification);
      },
    });
    const connection = new McpConnection({
      backend: this.name,
      client,
      identity: this.#epochs.current,
      timeoutMs: this.#options.timeoutMs,
      maxTimeoutMs: this.#options.maxTimeoutMs,
    });
    client.onclose = () => {
      connection.markClosed();
      this.#onClosed(connection);
    };
    client.onerror = (err) => {
      this.#options.log.debug(`transport error: ${errorMessage(err)}`);
      // A legacy SSE stream cannot be resumed: once it breaks, the session behind it is gone (EventSource
      // would silently reconnect into a new, uninitialised one). Treat it as a lost connection.
      if (this.#kind === "sse" && connection === this.#connection && this.#status === "running") {
        this.#status = "error";
        this.#lastError = this.#redact(`SSE stream lost: ${errorMessage(err)}`);
        this.#connection = undefined;
        this.#options.log.warn(`${this.#lastError} (reconnecting)`);
        void connection.close();
        this.#scheduleRestart();
      }
    };
    return connection;
  }

  async #start(): Promise<void> {
    const waking = this.#status === "sleeping";
    this.#stopping = false;
    this.#sleeping = false;
    this.#backoff.cancel();
    this.#status = "starting";
    // Waking from idle sleep is not a restart; coming back after a crash or a lost session is.
    if (this.#everStarted && !waking) this.#restarts++;
    this.#everStarted = true;
    this.#epochs.begin();
    const connection = this.#newConnection();
    this.#connection = connection;
    this.#last = connection;
    try {
      await connection.open(this.#options.connect, this.#options.startTimeoutMs ?? this.#options.timeoutMs);
      if (connection.transport?.kind) this.#kind = connection.transport.kind;
      await this.#lists.load(connection.client);
      this.#status = "running";
      this.#lastError = undefined;
      this.#backoff.reset();
      this.#epochs.up();
      this.#lastUsed = this.#now();
      this.#lastPing = this.#lastUsed;
      this.#options.log.info(`ready: ${this.#lists.tools.length} tools`);
      for (const kind of ["tools", "resources", "prompts"] as const) this.#emit(kind);
    } catch (err) {
      const message = connection.describe(err);
      this.#status = "error";
      this.#lastError = this.#redact(message);
      this.#connection = undefined;
      // A process that did not answer in time would not honour stdin EOF either; do not wait for it to.
      if (isSdkTimeout(err)) await connection.terminate();
      await connection.close();
      throw new BackendUnavailableError(
        `backend "${this.name}": ${this.#redact(message)}`,
        connection.identity,
        {
          cause: err,
        },
      );
    }
  }

  #onClosed(connection: McpConnection): void {
    if (connection !== this.#connection) return;
    this.#connection = undefined;
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
      this.#lastError = this.#redact(connection.describe(new Error("backend closed the connection")));
      this.#options.log.warn(`stopped unexpectedly: ${this.#lastError} (restarting)`);
      this.#scheduleRestart();
    }
  }

  /** Restarts a dead backend in the background: 1 s, 2 s, 4 s … up to a minute between tries. */
  #scheduleRestart(): void {
    if (this.#options.autoRestart === false || this.#stopping) return;
    this.#backoff.schedule(() => {
      if (this.#status !== "error" || this.#stopping) return;
      this.start().catch(() => this.#scheduleRestart());
    });
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
    const connection = this.#connection;
    if (!connection) return;
    try {
      await connection.ping(Math.min(this.#options.timeoutMs, 10_000));
    } catch (err) {
      if (connection !== this.#connection) return;
      this.#lastError = this.#redact(`did not answer ping: ${errorMessage(err)}`);
      this.#options.log.warn(`${this.#lastError}; restarting`);
      // A process that cannot answer a ping will not honour stdin EOF or SIGTERM either.
      await connection.terminate();
      await this.#restart().catch(() => undefined);
    }
  }

  /** Stops the backend until the next call (tools stay known); no-op while requests are in flight. */
  async sleep(): Promise<void> {
    if (this.#status !== "running" || this.#inflight > 0) return;
    this.#options.log.info("idle: sleeping until the next call");
    this.#sleeping = true;
    const connection = this.#connection;
    this.#connection = undefined;
    this.#status = "sleeping";
    await connection?.close();
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
    const connection = this.#connection;
    if (connection && (await this.#lists.reload(connection.client, kind))) this.#emit(kind);
  }

  #redact(text: string): string {
    return this.#options.redact ? this.#options.redact(text) : text;
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
          `backend lost our session (${this.#redact(errorMessage(err)).slice(0, 120)}); re-initializing`,
        );
        await this.#restart();
        return await this.#send(method, params, options);
      }
      if (err instanceof Error) err.message = this.#redact(err.message);
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
    const connection = this.#connection;
    if (!connection) {
      // Never sent: the connection just started is gone again (it died between start and send).
      throw new BackendUnavailableError(`backend "${this.name}" is not running`, this.#epochs.current);
    }
    return connection.send(method, params, options);
  }

  async #restart(): Promise<void> {
    const old = this.#connection;
    this.#connection = undefined;
    this.#status = "stopped";
    await old?.close();
    await this.start();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.#backoff.cancel();
    const connection = this.#connection ?? this.#last;
    this.#connection = undefined;
    this.#status = "stopped";
    await connection?.close();
  }
}
