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
  #ready: Promise<void> | undefined;

  constructor(config: GatewayConfig, options: { pool?: BackendPool; now?: () => number } = {}) {
    this.config = config;
    this.pool = options.pool ?? BackendPool.fromConfig(config);
    this.catalog = new Catalog(this.pool.all());
    this.search = new ToolSearch(this.catalog);
    this.startedAt = (options.now ?? Date.now)();
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
