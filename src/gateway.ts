import { BackendPool } from "./backends/pool.ts";
import { Catalog } from "./catalog/catalog.ts";
import { ToolSearch } from "./catalog/search.ts";
import type { GatewayConfig } from "./config/schema.ts";

/** The gateway's shared state: backends, their merged catalog and its search index. */
export class Gateway {
  readonly config: GatewayConfig;
  readonly pool: BackendPool;
  readonly catalog: Catalog;
  readonly search: ToolSearch;
  readonly startedAt: number;
  readonly #now: () => number;
  #ready: Promise<void> | undefined;

  constructor(config: GatewayConfig, options: { pool?: BackendPool; now?: () => number } = {}) {
    this.config = config;
    this.#now = options.now ?? Date.now;
    this.pool = options.pool ?? BackendPool.fromConfig(config);
    this.catalog = new Catalog(this.pool.all());
    this.search = new ToolSearch(this.catalog);
    this.startedAt = this.#now();
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

  /** Starts every backend in the background; `ready` settles when each has started or failed. */
  start(): void {
    this.#ready ??= this.pool.startAll();
  }

  /** Resolves once the first start of every backend has settled (never rejects). */
  get ready(): Promise<void> {
    return this.#ready ?? Promise.resolve();
  }

  async stop(): Promise<void> {
    await this.pool.stopAll();
  }
}
