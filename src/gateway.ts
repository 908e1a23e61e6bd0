import type { CallOptions } from "./backends/backend.ts";
import { BackendPool, isLazy } from "./backends/pool.ts";
import { Catalog } from "./catalog/catalog.ts";
import { ToolSearch } from "./catalog/search.ts";
import type { GatewayConfig } from "./config/schema.ts";
import { GatewayError } from "./errors.ts";
import { isRetrySafeTool } from "./failsafe/classify.ts";
import { mergeFailsafe } from "./failsafe/config.ts";
import { FailsafePolicy } from "./failsafe/policy.ts";
import { log } from "./log.ts";
import { GatewayMetrics, requestOutcome } from "./metrics/gateway-metrics.ts";
import { UsageStore } from "./usage/usage-store.ts";

/** A tool call as the gateway relays it: relay options plus who asked (for the call log). */
export interface ToolCallOptions extends CallOptions {
  /** The client session, for the log line. */
  session?: string | undefined;
}

/** The gateway's shared state: backends, their merged catalog and its search index. */
export class Gateway {
  config: GatewayConfig;
  readonly pool: BackendPool;
  readonly catalog: Catalog;
  readonly search: ToolSearch;
  readonly startedAt: number;
  readonly metrics = new GatewayMetrics();
  readonly usage: UsageStore;
  readonly #policies = new Map<string, FailsafePolicy>();
  readonly #now: () => number;
  #ready: Promise<void> | undefined;
  #ticker: ReturnType<typeof setInterval> | undefined;

  constructor(config: GatewayConfig, options: { pool?: BackendPool; now?: () => number } = {}) {
    this.config = config;
    this.#now = options.now ?? Date.now;
    this.pool = options.pool ?? BackendPool.fromConfig(config);
    this.catalog = new Catalog(this.pool);
    this.search = new ToolSearch(this.catalog);
    this.startedAt = this.#now();
    this.usage = new UsageStore({ now: this.#now, warn: (m) => log.warn(m) });
    void this.usage.load().catch(() => undefined);
    this.pool.onChange((event) => {
      if (event.type !== "removed") return;
      this.#policies.delete(event.backend.name);
      this.metrics.removeBackend(event.backend.name);
    });
  }

  /** Forgets every backend's failsafe state, so the next call builds its policy from the current config. */
  resetPolicies(): void {
    this.#policies.clear();
  }

  /** The failsafe policy of one backend (global settings merged with its overrides). */
  policy(server: string): FailsafePolicy {
    let policy = this.#policies.get(server);
    if (!policy) {
      const settings = mergeFailsafe(this.config.failsafe, this.config.backends[server]?.failsafe, {
        backend: server,
      });
      policy = new FailsafePolicy(server, settings, {
        now: this.#now,
        onEvent: this.metrics.failsafeListener(),
      });
      this.#policies.set(server, policy);
    }
    return policy;
  }

  /**
   * Calls a backend tool through its failsafes (circuit breaker, rate and concurrency limits, retry only
   * where repeating is safe), recording metrics, usage and one log line (never the arguments).
   * @throws GatewayError BACKEND_NOT_FOUND, CIRCUIT_OPEN, RATE_LIMITED, CONCURRENCY_LIMITED, TIMEOUT, …
   */
  async callTool(
    server: string,
    tool: string,
    args: Record<string, unknown>,
    options: ToolCallOptions = {},
  ): Promise<Record<string, unknown>> {
    const backend = this.pool.get(server);
    if (!backend) throw new GatewayError("BACKEND_NOT_FOUND", `no backend named "${server}"`);
    const entry = this.catalog.find(server, tool);
    const started = this.#now();
    const finish = (settled: { result: Record<string, unknown> } | { error: unknown }): void => {
      const ms = this.#now() - started;
      const outcome = requestOutcome(settled, options.signal);
      this.metrics.recordRequest(server, tool, outcome, ms);
      this.usage.record(server, tool, { durationMs: ms, error: outcome !== "success" });
      log.info(`call ${server}/${tool} ${outcome} ${ms}ms`, {
        backend: server,
        tool,
        outcome,
        duration_ms: ms,
        ...(options.session ? { session: options.session } : {}),
      });
    };
    try {
      const result = await this.policy(server).run(
        (signal) => backend.callTool(tool, args, { ...options, signal: signal ?? options.signal }),
        { retrySafe: entry ? isRetrySafeTool(entry.tool) : false, signal: options.signal },
      );
      finish({ result });
      return result;
    } catch (error) {
      finish({ error });
      throw error;
    }
  }

  /**
   * Brings backends up in the background (eager ones, and lazy ones whose tools are not on disk yet) and
   * starts the idle/health housekeeping; `ready` settles when that first round has started or failed.
   */
  start(options: { tickMs?: number } = {}): void {
    this.#ready ??= this.pool.warmUp({
      concurrency: this.config.lifecycle.warmup_concurrency,
      lazy: (name) => isLazy(name, this.config),
    });
    const tickMs = options.tickMs ?? 1000;
    if (!this.#ticker && tickMs > 0) {
      this.#ticker = setInterval(() => this.pool.tick(this.#now()), tickMs);
      this.#ticker.unref?.();
    }
  }

  /** Resolves once the first start of every backend has settled (never rejects). */
  get ready(): Promise<void> {
    return this.#ready ?? Promise.resolve();
  }

  /**
   * Keeps tool lists within `meta_mcp.cache_ttl`: stale lists of running backends are re-read in the
   * background (the caller answers from the cache meanwhile); with `cache_tools: false` every list is
   * re-read before answering.
   */
  async freshenTools(): Promise<void> {
    const { cache_tools: cache, cache_ttl: ttl } = this.config.meta_mcp;
    const now = this.#now();
    const stale = this.pool
      .all()
      .filter((b) => b.snapshot().status === "running")
      .filter((b) => !cache || b.toolsListedAt === undefined || now - b.toolsListedAt >= ttl);
    const refreshing = Promise.all(stale.map((b) => b.refreshTools().catch(() => undefined)));
    if (!cache) await refreshing;
  }

  async stop(): Promise<void> {
    clearInterval(this.#ticker);
    this.#ticker = undefined;
    await Promise.all([this.pool.stopAll(), this.usage.close()]);
  }
}
