import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import type { Backend, BackendSnapshot } from "../backends/backend.ts";
import type { CatalogEntry } from "../catalog/catalog.ts";
import type { Cluster } from "../cluster/cluster.ts";
import { openCluster } from "../cluster/open.ts";
import type { GatewayConfig } from "../config/schema.ts";
import { errorMessage, GatewayError, isGatewayError } from "../errors.ts";
import { type ApproveReport, approveInCache } from "../firewall/approve.ts";
import { log } from "../log.ts";
import type { ToolUsage } from "../usage/usage-store.ts";
import { cacheDir } from "../user-dirs.ts";
import { WEBHOOKS_BACKEND, WebhookBackend, type WebhookInbox } from "../webhooks/backend.ts";
import type { CallContext, Principal } from "./call-context.ts";
import { GatewayCore, type GatewayCoreOptions } from "./core.ts";
import { firewallState, healthReport, metricsText } from "./health.ts";
import type { AccessTarget, AuditRecord, GatewayHooks, RequestKind } from "./hooks.ts";
import { type Result, runOnBackend, startThroughBreaker } from "./pipeline.ts";
import {
  LIST_METHODS,
  type ListMethod,
  RELAYED_METHODS,
  type RelayedMethod,
  resolveRelay,
  routesFor,
} from "./relay-target.ts";
import { applyConfig, type ReloadReport } from "./reload.ts";
import { Routes } from "./routes.ts";
import { type SessionPeer, subscriptionKey } from "./session-hub.ts";
import type { ExtensionTaskMethod, TaskMethod, TasksCapability } from "./task-relay.ts";
import { GatewayTasks } from "./tasks.ts";
import { ExposedNames, resolveTool, type ToolTarget, unknownServer } from "./tool-target.ts";

/** One tool as a listing shows it. */
export interface ListedTool {
  server: string;
  tool: Tool;
}

/** One backend as `listServers` shows it: its state, and what the firewall holds back or found. */
export type ServerState = BackendSnapshot & ReturnType<typeof firewallState>;

/** What `listTools` answers: the tools, and the backend's error when it is one backend that failed. */
export interface ToolListing {
  tools: ListedTool[];
  error?: string | undefined;
}

/** One search hit. */
export interface SearchHit {
  server: string;
  tool: Tool;
  score: number;
}

/** A config reload that failed to load or validate (the running config kept serving). */
export interface RejectedReload {
  /** When, ms since the epoch. */
  time: number;
  /** What triggered it (`file changed`, `SIGHUP`). */
  why: string;
  /** The error's first line. */
  message: string;
  /** The problems it listed (`file:line:col: …`), or the message alone. */
  problems: string[];
}

/** What an operator can do to one backend. */
export type BackendAction = "restart" | "wake" | "sleep";

/** Every MCP method `relay` takes. */
export type RelayMethod = ListMethod | RelayedMethod | "logging/setLevel";

/**
 * The gateway as its front ends see it: list servers and tools, search, invoke a tool, relay any other
 * request — each with one `CallContext` — plus the lifecycle the process runner needs. Every request to a
 * backend takes the one route in `pipeline.ts`; nothing here hands out the pool, catalog or policies.
 */
export class Gateway {
  readonly #core: GatewayCore;
  readonly #hooks: GatewayHooks;
  readonly #names: ExposedNames;
  readonly #requestListeners = new Set<(record: AuditRecord) => void>();
  readonly #tasks: GatewayTasks;
  #rejected: RejectedReload | undefined;

  constructor(core: GatewayCore, hooks: GatewayHooks = {}) {
    this.#core = core;
    const audit = hooks.audit;
    // The audit hook also feeds `onRequest` listeners (the dashboard's call log).
    this.#hooks = {
      ...hooks,
      audit: (record) => {
        audit?.(record);
        for (const listener of this.#requestListeners) {
          try {
            listener(record);
          } catch {}
        }
      },
    };
    this.#names = new ExposedNames(core);
    this.#tasks = new GatewayTasks(core, this.#hooks);
    core.hub.onTaskStatus = (backend, notification) => this.#tasks.status(backend, notification.params);
  }

  /**
   * A gateway over the backends of a config, with the cluster its `redis:` section (or the session secret)
   * asks for: the Redis side is loaded only then, so a lone gateway starts without it.
   */
  static async open(
    config: GatewayConfig,
    options: GatewayCoreOptions & GatewayHooks = {},
  ): Promise<Gateway> {
    if ("cluster" in options) return Gateway.fromConfig(config, options);
    const cluster = await openCluster(config.redis, { log: log.withTag("cluster") });
    return Gateway.fromConfig(config, { ...options, cluster });
  }

  /** A gateway over the backends of a config that needs no cluster (tests, `open` underneath). */
  static fromConfig(config: GatewayConfig, options: GatewayCoreOptions & GatewayHooks = {}): Gateway {
    return new Gateway(new GatewayCore(config, options), options);
  }

  /** What this replica shares with the others (signed session ids, Redis), or undefined when alone. */
  get cluster(): Cluster | undefined {
    return this.#core.cluster;
  }

  /** The `server` section of the current config (where and how front ends listen). */
  get settings(): GatewayConfig["server"] {
    return this.#core.config.server;
  }

  /** True when `/mcp` shows the four meta-tools; false for every tool (transparent). */
  get metaMode(): boolean {
    return this.#core.config.meta_mcp.enabled;
  }

  /** `meta_mcp.surfaced`: the tools (`server/tool`) a meta session lists beside the meta-tools, in order. */
  get surfaced(): readonly string[] {
    return this.#core.config.meta_mcp.surfaced;
  }

  /** The webhooks' receiving end (`POST /webhooks/{name}`), when any webhook is configured. */
  get webhooks(): WebhookInbox | undefined {
    const backend = this.#core.pool.get(WEBHOOKS_BACKEND);
    return backend instanceof WebhookBackend ? backend : undefined;
  }

  /** Names of the configured backends. */
  get backendNames(): string[] {
    return this.#core.pool.names;
  }

  /** True when a backend of that name is configured. */
  hasBackend(name: string): boolean {
    return this.#core.pool.get(name) !== undefined;
  }

  /**
   * Brings the backends up in the background (see `GatewayCore.start`; `warmUpAfter` defers the round
   * until it settles or something needs the backends). @returns when the round began
   */
  start(options: { tickMs?: number; warmUpAfter?: Promise<unknown> } = {}): Promise<void> {
    return this.#core.start(options);
  }

  /** Resolves once the first start of every backend has settled (never rejects). */
  get ready(): Promise<void> {
    return this.#core.ready;
  }

  stop(): Promise<void> {
    return this.#core.stop();
  }

  /** Applies a new, validated config: adds, stops and restarts only the backends that changed. */
  async reload(next: GatewayConfig): Promise<ReloadReport> {
    const report = await applyConfig(this.#core, next);
    this.#rejected = undefined;
    return report;
  }

  /** The effective config (secrets included: mask it before showing it anywhere). */
  get config(): GatewayConfig {
    return this.#core.config;
  }

  /** Notes a reload that was rejected (bad YAML, invalid config); the next successful reload clears it. */
  rejectReload(why: string, error: unknown): void {
    const [message = "", ...problems] = errorMessage(error)
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== "");
    this.#rejected = {
      time: this.#core.now(),
      why,
      message,
      problems: problems.length > 0 ? problems : [message],
    };
  }

  /** The last rejected reload, while no reload has succeeded since. */
  get rejectedReload(): RejectedReload | undefined {
    return this.#rejected;
  }

  /**
   * Calls `listener` with every finished or refused backend request (the audit record: who, where, how it
   * ended, how long — never arguments); returns its removal. Listeners must be quick and never read `bytes`.
   */
  onRequest(listener: (record: AuditRecord) => void): () => void {
    this.#requestListeners.add(listener);
    return () => this.#requestListeners.delete(listener);
  }

  /** Per-tool usage from the usage file (calls, errors, latency), most used first. */
  usage(): ({ backend: string; tool: string } & ToolUsage)[] {
    return this.#core.usage.entries();
  }

  /**
   * Approves quarantined tools (`server` or `server/tool`) with the code of `mcp-gateway tools approve`;
   * they are listed and callable again from now on.
   * @throws GatewayError USAGE when the target is malformed or nothing of it is quarantined
   */
  approveTools(target: string): ApproveReport {
    const report = approveInCache(this.#core.config.lifecycle.cache_dir ?? cacheDir(), target);
    this.#core.firewall.refresh();
    return report;
  }

  /**
   * Restarts, wakes or puts to sleep one backend (an operator's action); answers its state afterwards.
   * @throws GatewayError BACKEND_NOT_FOUND; NOT_SUPPORTED for sleep on a backend that cannot; whatever
   * starting it threw
   */
  async controlBackend(name: string, action: BackendAction): Promise<BackendSnapshot> {
    const backend: (Backend & { sleep?: () => Promise<void> }) | undefined = this.#core.pool.get(name);
    if (!backend) throw unknownServer(this.#core, name);
    if (action === "sleep") {
      if (!backend.sleep) throw new GatewayError("NOT_SUPPORTED", `backend "${name}" cannot sleep`);
      await backend.sleep();
    } else {
      if (action === "restart") await backend.stop();
      await backend.start();
    }
    return backend.snapshot();
  }

  /** Body of `GET /health` (never secrets). */
  health(): Record<string, unknown> {
    return healthReport(this.#core);
  }

  /** Body of `GET /metrics` (Prometheus text). */
  metrics(activeSessions: number): string {
    return metricsText(this.#core, activeSessions);
  }

  /** Registers a client session, so backend requests and notifications reach it; returns its detach. */
  attach(peer: SessionPeer): () => void {
    const detach = this.#core.hub.add(peer);
    return () => {
      detach();
      this.#tasks.detach(peer);
    };
  }

  /** Client requests currently running on backends. */
  get inflight(): number {
    return this.#core.hub.inflight;
  }

  /** Resolves when no client request is running on a backend. */
  whenIdle(): Promise<void> {
    return this.#core.hub.whenIdle();
  }

  /**
   * True when this principal may use anything on the backend (a direct session to it, `/mcp/{backend}`).
   * False for a backend that does not exist, too.
   */
  mayReach(principal: Principal, server: string): boolean {
    if (!this.hasBackend(server)) return false;
    return (["tool", "resource", "prompt"] as const).some((kind) => this.#sees(principal, server, kind, "*"));
  }

  /** True when this principal sees less than everything (its errors then name nothing it may not see). */
  restricts(principal: Principal): boolean {
    return this.#hooks.restricts?.(principal) ?? false;
  }

  /**
   * Every backend's state, as far as this caller may see (tool counts of what it may call), with the
   * firewall's quarantined tools and findings.
   */
  async listServers(ctx: CallContext): Promise<ServerState[]> {
    await this.#core.ready;
    const shown = this.#core.pool
      .snapshots()
      .filter((s) => this.mayReach(ctx.principal, s.name))
      .map((s) => ({
        ...s,
        tools: this.#core.catalog.toolsOf(s.name)?.length ?? s.tools,
        ...firewallState(this.#core, s.name),
      }));
    if (!this.restricts(ctx.principal)) return shown;
    return shown.map((s) => ({
      ...s,
      tools: (this.#core.catalog.toolsOf(s.name) ?? []).filter((t) =>
        this.#sees(ctx.principal, s.name, "tool", t.name, t.annotations?.readOnlyHint === true),
      ).length,
    }));
  }

  /**
   * The tools a caller may see: one backend's (direct sessions always; `server` elsewhere) or the whole
   * catalog. A direct session's backend is started through its breaker first, so its list is live.
   * @throws GatewayError BACKEND_NOT_FOUND; whatever starting a direct session's backend threw
   */
  async listTools(ctx: CallContext, options: { server?: string | undefined } = {}): Promise<ToolListing> {
    const core = this.#core;
    const server = ctx.surface.kind === "direct" ? ctx.surface.backend : options.server;
    if (server === undefined) {
      await core.ready;
      await core.freshenTools();
      return { tools: this.#visible(ctx, core.catalog.entries()) };
    }
    if (this.restricts(ctx.principal) && !this.mayReach(ctx.principal, server)) throw notAllowed(server);
    const backend = core.pool.get(server);
    if (!backend) throw unknownServer(core, server);
    if (ctx.surface.kind === "direct") await startThroughBreaker(core, backend, ctx.signal);
    else {
      await core.ready;
      await core.freshenTools();
    }
    const tools = (core.catalog.toolsOf(server) ?? [])
      .map((tool) => ({ server, tool }))
      .filter((t) => this.#seesTool(ctx.principal, server, t.tool));
    const state = backend.snapshot();
    return { tools, ...(state.status === "error" ? { error: state.lastError } : {}) };
  }

  /** The best matches for a query among the tools this caller may see. */
  async search(ctx: CallContext, query: string, limit: number): Promise<SearchHit[]> {
    await this.#core.ready;
    await this.#core.freshenTools();
    const search = this.#core.search;
    if (!this.restricts(ctx.principal)) {
      return (await search.searchAsync(query, limit)).map((m) => ({
        server: m.entry.server,
        tool: m.entry.tool,
        score: m.score,
      }));
    }
    // Filter before the top k, so a caller that may see few tools still gets a full page of its own: rank
    // the whole catalog, keep what it may see, then cut.
    const all = await search.searchAsync(query, this.#core.catalog.entries().length);
    const hits = all
      .filter((m) => this.#seesTool(ctx.principal, m.entry.server, m.entry.tool))
      .slice(0, limit);
    return hits.map((m) => ({ server: m.entry.server, tool: m.entry.tool, score: m.score }));
  }

  /** True when the catalog knows no tool at all (search hints at failed backends then). */
  get catalogEmpty(): boolean {
    return this.#core.catalog.entries().length === 0;
  }

  /**
   * Calls a tool and returns the backend's result untouched.
   * @throws GatewayError BACKEND_NOT_FOUND, TOOL_NOT_FOUND, ACCESS_DENIED, CIRCUIT_OPEN, RATE_LIMITED,
   * CONCURRENCY_LIMITED, TIMEOUT, BACKEND_UNAVAILABLE…; a backend's own JSON-RPC error as it sent it
   */
  async invoke(
    ctx: CallContext,
    target: ToolTarget,
    args: Record<string, unknown>,
    options: { task?: Record<string, unknown> | undefined } = {},
  ): Promise<Result> {
    // A quarantined tool is hidden from lists, but a call naming it gets the reason and how to approve.
    this.#core.firewall.refresh(); // an approval by CLI since the last list
    this.#core.catalog.entries(); // the firewall has seen the current lists
    const refusal =
      "name" in target
        ? this.#core.firewall.refusal(undefined, target.name)
        : this.#core.firewall.refusal(target.server, target.tool);
    if (refusal && (!this.restricts(ctx.principal) || this.#refusalVisible(ctx, target))) return refusal;
    let request: Awaited<ReturnType<typeof resolveTool>>;
    if (this.restricts(ctx.principal)) {
      this.#admitTool(ctx, target);
      // What resolution would suggest (close names, the same tool elsewhere) may lie outside the profile.
      request = await resolveTool(this.#core, this.#names, ctx, target).catch((error: unknown) => {
        if (!isGatewayError(error, "TOOL_NOT_FOUND", "BACKEND_NOT_FOUND")) throw error;
        throw notAllowed("name" in target ? target.name : `${target.server}/${target.tool}`);
      });
    } else request = await resolveTool(this.#core, this.#names, ctx, target);
    const entry = this.#core.catalog.find(request.backend.name, request.name);
    const guarded = this.#core.firewall.checkCall(request.backend.name, entry?.tool, request.name, args);
    if (guarded) return guarded;
    if (options.task !== undefined) return this.#tasks.start(ctx, request, args, options.task);
    const result = await runOnBackend(this.#core, this.#hooks, ctx, request, (sent) =>
      request.backend.callTool(request.name, args, sent),
    );
    return this.#tasks.adopt(ctx, request, result); // a 2026-07-28 backend may answer with a task
  }

  /** Whether a 2026-07-28 request on this surface is told about the tasks extension (SEP-2663). */
  tasksExtension(surface: CallContext["surface"]): boolean {
    return this.#tasks.extension(surface);
  }

  /**
   * Routes a 2026-07-28 tasks-extension request (`tasks/get`, `tasks/update`, `tasks/cancel`) to the backend
   * that created the task, by the id this caller got.
   * @throws GatewayError USAGE for a task id this caller does not own; the backend's own error as it sent it
   */
  async relayExtensionTask(
    ctx: CallContext,
    method: ExtensionTaskMethod,
    params: Record<string, unknown>,
  ): Promise<Result> {
    await this.#core.ready;
    return this.#tasks.relayExtension(ctx, method, params);
  }

  /**
   * The 2025-11-25 `tasks` capability a session on this surface may advertise: where a backend it reaches
   * runs tool calls as tasks, never on meta.
   */
  tasksCapability(surface: CallContext["surface"]): TasksCapability | undefined {
    return this.#tasks.capability(surface);
  }

  /**
   * Routes a 2025-11-25 task request to the backend that owns the task, by the id this caller got when it
   * created it (`tasks/list`: the caller's own tasks, each asked of its backend).
   * @throws GatewayError USAGE for a task id this caller does not own (unknown, expired or another
   * principal's: the same answer); the backend's own error as it sent it
   */
  async relayTask(ctx: CallContext, method: TaskMethod, params: Record<string, unknown>): Promise<Result> {
    await this.#core.ready;
    return this.#tasks.relay(ctx, method, params);
  }

  /**
   * Relays any other MCP request: lists of resources, templates and prompts (answered from the backends'
   * lists), reads, prompt gets, completions and subscriptions (sent to the backend that owns them, on the
   * same route as tool calls), and logging/setLevel (to every backend the session reaches).
   * @throws GatewayError RESOURCE_NOT_FOUND, PROMPT_NOT_FOUND, NOT_SUPPORTED, ACCESS_DENIED, and the errors
   * of `invoke`
   */
  async relay(ctx: CallContext, method: RelayMethod, params: Record<string, unknown> = {}): Promise<Result> {
    const core = this.#core;
    await core.ready;
    const routes = this.#routes(ctx, method);
    if ((LIST_METHODS as readonly string[]).includes(method)) {
      switch (method as ListMethod) {
        case "resources/list":
          return { resources: routes.resources() };
        case "resources/templates/list":
          return { resourceTemplates: routes.templates() };
        case "prompts/list":
          return { prompts: routes.prompts().map((r) => r.prompt) };
      }
    }
    if (method === "logging/setLevel") {
      await core.hub.setLogLevel(ctx.session, params.level as Parameters<typeof core.hub.setLogLevel>[1]);
      return {};
    }
    if (!(RELAYED_METHODS as readonly string[]).includes(method)) {
      throw new GatewayError("NOT_SUPPORTED", `the gateway does not relay ${method}`);
    }
    const direct = ctx.surface.kind === "direct" ? core.pool.get(ctx.surface.backend) : undefined;
    const { request, params: sent } = resolveRelay(routes, method as RelayedMethod, params, direct);
    const backend = request.backend;
    if (method === "completion/complete") {
      await startThroughBreaker(core, backend, ctx.signal);
      if (backend.capabilities?.completions === undefined)
        return { completion: { values: [], hasMore: false } };
    }
    const relayOne = backend.request?.bind(backend);
    if (!relayOne) {
      throw new GatewayError("NOT_SUPPORTED", `backend "${backend.name}" has no resources or prompts`);
    }
    return runOnBackend(core, this.#hooks, ctx, request, async (options) => {
      const uri = String(sent.uri ?? "");
      if (method === "resources/subscribe") {
        await core.hub.subscribe(ctx.session, backend, uri, options);
        return {};
      }
      if (method === "resources/unsubscribe") {
        await core.hub.unsubscribe(ctx.session, subscriptionKey(backend.name, uri), options);
        return {};
      }
      return relayOne(method, sent, options);
    });
  }

  /** True when a restricted caller may learn that this quarantined tool exists. */
  #refusalVisible(ctx: CallContext, target: ToolTarget): boolean {
    if ("name" in target) return false;
    return this.#sees(ctx.principal, target.server, "tool", target.tool);
  }

  #sees(principal: Principal, server: string, kind: RequestKind, name: string, readOnly?: boolean): boolean {
    const visible = this.#hooks.visible;
    if (!visible) return true;
    const target: AccessTarget = { server, kind, name, ...(readOnly !== undefined ? { readOnly } : {}) };
    return visible(principal, target);
  }

  #seesTool(principal: Principal, server: string, tool: Tool): boolean {
    return this.#sees(principal, server, "tool", tool.name, tool.annotations?.readOnlyHint === true);
  }

  #visible(ctx: CallContext, entries: readonly CatalogEntry[]): ListedTool[] {
    return entries
      .filter((e) => this.#seesTool(ctx.principal, e.server, e.tool))
      .map((e) => ({ server: e.server, tool: e.tool }));
  }

  /**
   * The resource/prompt routes of a request, holding only the backends whose resources (or prompts) this
   * caller may see: hidden ones are neither listed, nor found, nor suggested.
   */
  #routes(ctx: CallContext, method: RelayMethod): ReturnType<typeof routesFor> {
    const routes = routesFor(this.#core, ctx.surface);
    if (!this.restricts(ctx.principal)) return routes;
    const kinds: RequestKind[] = method.startsWith("prompts/")
      ? ["prompt"]
      : method.startsWith("completion/")
        ? ["prompt", "resource"]
        : ["resource"];
    const shown = (b: { name: string }) => kinds.some((k) => this.#sees(ctx.principal, b.name, k, "*"));
    return new Routes(() => routes.backends().filter(shown), { prefix: ctx.surface.kind !== "direct" });
  }

  /**
   * Refuses, before anything is resolved, a tool this restricted caller may not see: the answer is the same
   * whether the tool exists or not, and names nothing else.
   * @throws GatewayError ACCESS_DENIED
   */
  #admitTool(ctx: CallContext, target: ToolTarget): void {
    if ("name" in target) {
      const entry = this.#names.resolve(target.name);
      if (!entry || !this.#seesTool(ctx.principal, entry.server, entry.tool)) throw notAllowed(target.name);
      return;
    }
    const entry = this.#core.catalog.find(target.server, target.tool);
    const readOnly = entry?.tool.annotations?.readOnlyHint === true;
    if (!this.#sees(ctx.principal, target.server, "tool", target.tool, readOnly)) {
      throw notAllowed(`${target.server}/${target.tool}`);
    }
  }
}

function notAllowed(what: string): GatewayError {
  return new GatewayError("ACCESS_DENIED", `"${what}" is not allowed for this client.`);
}
