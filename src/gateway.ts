import { BackendPool, isLazy } from "./backends/pool.ts";
import { Catalog } from "./catalog/catalog.ts";
import { ToolSearch } from "./catalog/search.ts";
import type { GatewayConfig } from "./config/schema.ts";

/** The gateway's shared state: backends, their merged catalog and its search index. */
export class Gateway {
  config: GatewayConfig;
  readonly pool: BackendPool;
  readonly catalog: Catalog;
  readonly search: ToolSearch;
  readonly startedAt: number;
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
    await this.pool.stopAll();
  }
}
