import { BackendPool, isLazy } from "../backends/pool.ts";
import { Catalog } from "../catalog/catalog.ts";
import { LazyToolSearch } from "../catalog/lazy-search.ts";
import type { Cluster } from "../cluster/cluster.ts";
import { clusterWanted } from "../cluster/config.ts";
import { catchUp, followCircuits, sharedFailsafe } from "../cluster/share-failsafe.ts";
import type { GatewayConfig } from "../config/schema.ts";
import { mergeFailsafe } from "../failsafe/config.ts";
import { FailsafePolicy } from "../failsafe/policy.ts";
import { Firewall } from "../firewall/firewall.ts";
import { log } from "../log.ts";
import { GatewayMetrics } from "../metrics/gateway-metrics.ts";
import { Telemetry } from "../telemetry/telemetry.ts";
import { Transforms } from "../transforms/transforms.ts";
import { UsageStore } from "../usage/usage-store.ts";
import { cacheDir } from "../user-dirs.ts";
import { backendsFromConfig } from "./backends-from-config.ts";
import { SessionHub } from "./session-hub.ts";

/** Options of {@link GatewayCore}; everything injectable for tests. */
export interface GatewayCoreOptions {
  /** The backends; built from the config when absent. */
  pool?: BackendPool;
  /** Clock in ms since epoch. @default Date.now */
  now?: () => number;
  /** Where tool vectors are cached (`embeddings/` inside). @default cacheDir() */
  cacheDir?: string;
  /**
   * State shared with other replicas. Required when the config has a `redis:` section or the session secret
   * is set ({@link Gateway.open} loads it); none without.
   */
  cluster?: Cluster | undefined;
  /** Where the `OTEL_*` variables are read (OpenTelemetry is off unless they name an exporter). @default process.env */
  env?: Record<string, string | undefined>;
}

/**
 * The services behind the facade: backends, their merged catalog and search index, per-backend failsafes,
 * metrics, usage and the cross-session hub. Only `src/gateway/` uses it; front ends see `Gateway`.
 */
export class GatewayCore {
  config: GatewayConfig;
  readonly pool: BackendPool;
  readonly catalog: Catalog;
  /** Pinning, poisoning scan and credential redaction between the model and its tools. */
  readonly firewall: Firewall;
  /** Each backend's transform chain (`backends.X.transforms`), from the current config. */
  readonly transforms: Transforms;
  /** Tool search; its modules load at the first query. */
  readonly search: LazyToolSearch;
  readonly hub: SessionHub;
  readonly startedAt: number;
  readonly metrics = new GatewayMetrics();
  readonly usage: UsageStore;
  /** OpenTelemetry traces and metrics, when `OTEL_*` ask for them. */
  readonly telemetry: Telemetry;
  readonly now: () => number;
  /** What this replica shares with the others (Redis, signed session ids); undefined when alone. */
  readonly cluster: Cluster | undefined;
  readonly #policies = new Map<string, FailsafePolicy>();
  #ready: Promise<void> | undefined;
  /** Begins a deferred warm-up round now (set until it has begun). */
  #begin: (() => void) | undefined;
  #begun: Promise<void> | undefined;
  #warmingUp = false;
  #ticker: ReturnType<typeof setInterval> | undefined;

  constructor(config: GatewayConfig, options: GatewayCoreOptions = {}) {
    this.config = config;
    this.now = options.now ?? Date.now;
    this.pool = options.pool ?? new BackendPool(backendsFromConfig(config));
    if (!("cluster" in options) && clusterWanted(config.redis, process.env)) {
      throw new Error("this config shares state with other replicas: build the gateway with Gateway.open");
    }
    this.cluster = options.cluster;
    followCircuits(this.cluster, {
      policy: (server) => this.policy(server),
      shares: (server) => sharedFailsafe(this.cluster, this.config.backends[server]) !== undefined,
      known: () => this.#policies.keys(),
    });
    this.firewall = new Firewall(() => this.config, {
      cacheDir: config.lifecycle.cache_dir ?? cacheDir(),
      log: log.withTag("firewall"),
      registry: this.metrics.registry,
      now: this.now,
      approvals: this.cluster?.approvals,
    });
    this.transforms = new Transforms(() => this.config);
    this.catalog = new Catalog(this.pool, {
      gate: this.firewall,
      transform: (server, tools) => this.transforms.tools(server, tools),
    });
    // Vectors are computed in the background from the first search on; until then search uses words only.
    this.search = new LazyToolSearch(this.catalog, config.search, {
      cacheDir: options.cacheDir ?? cacheDir(),
      onError: (message) => log.withTag("search").warn(message),
    });
    this.hub = new SessionHub(this.pool, { fanOut: this.cluster?.fanOut });
    this.startedAt = this.now();
    this.usage = new UsageStore({ now: this.now, warn: (m) => log.warn(m) });
    void this.usage.load().catch(() => undefined);
    this.pool.onChange((event) => {
      if (event.type !== "removed") return;
      this.#policies.delete(event.backend.name);
      this.metrics.removeBackend(event.backend.name);
    });
    this.telemetry = new Telemetry(options.env ?? process.env, {
      metricsText: () => this.#metricsForExport(),
      warn: (message) => log.withTag("telemetry").warn(message),
    });
  }

  /** The metrics as /metrics renders them, the scrape-time gauges refreshed first (for the OTel mirror). */
  #metricsForExport(): string {
    this.metrics.setActiveSessions(this.hub.sessionCount);
    for (const s of this.pool.snapshots()) {
      this.metrics.setBackendState(s.name, s.status);
      this.metrics.setCatalogTools(s.name, s.tools);
      const circuit = this.policy(s.name).circuitState;
      if (circuit) this.metrics.setCircuitState(s.name, circuit);
      this.metrics.setBackendRestarts(s.name, s.restarts);
    }
    return this.metrics.render();
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
      const shared = sharedFailsafe(this.cluster, this.config.backends[server]);
      policy = new FailsafePolicy(server, settings, {
        now: this.now,
        onEvent: this.metrics.failsafeListener(),
        shared,
      });
      this.#policies.set(server, policy);
      if (shared) catchUp(this.cluster, policy, server);
    }
    return policy;
  }

  /**
   * When a request to this backend must have settled, retries included: its `max_timeout` (the hard cap on
   * one request) from now, or undefined when none is set (then only `retry.max_attempts` bounds retries).
   */
  deadline(server: string): number | undefined {
    const cap = this.config.backends[server]?.max_timeout;
    return cap === undefined ? undefined : this.now() + cap;
  }

  /**
   * Brings backends up in the background (eager ones, and lazy ones whose tools are not on disk yet) and
   * starts the idle/health housekeeping; `ready` settles when that first round has started or failed.
   * With `warmUpAfter`, the round begins when that settles (the front end: once the first client has been
   * answered): child processes starting beside a client's initialize slow its answer several times over,
   * and it needs none of them. Whatever needs the backends sooner (`ready`) begins the round at once.
   * @returns when the round began
   */
  start(options: { tickMs?: number; warmUpAfter?: Promise<unknown> } = {}): Promise<void> {
    void this.cluster?.start();
    if (!this.#ready) {
      this.#warmingUp = true;
      const { promise: begun, resolve: begin } = Promise.withResolvers<void>();
      this.#begin = begin;
      this.#begun = begun;
      if (options.warmUpAfter)
        options.warmUpAfter.then(
          () => begin(),
          () => begin(),
        );
      else begin();
      this.#ready = begun
        .then(() => {
          this.#begin = undefined;
          return this.pool.warmUp({
            concurrency: this.config.lifecycle.warmup_concurrency,
            lazy: (name) => isLazy(name, this.config),
          });
        })
        .finally(() => {
          this.#warmingUp = false;
        });
    }
    const tickMs = options.tickMs ?? 1000;
    if (!this.#ticker && tickMs > 0) {
      this.#ticker = setInterval(() => this.pool.tick(this.now()), tickMs);
      this.#ticker.unref?.();
    }
    return this.#begun ?? Promise.resolve();
  }

  /** True from `start` until the first start of every backend has settled (/health says `starting`). */
  get warmingUp(): boolean {
    return this.#warmingUp;
  }

  /** Resolves once the first start of every backend has settled (never rejects). */
  get ready(): Promise<void> {
    this.#begin?.();
    return this.#ready ?? Promise.resolve();
  }

  /**
   * Keeps tool lists within `meta_mcp.cache_ttl`: stale lists of running backends are re-read in the
   * background (the caller answers from the cache meanwhile); with `cache_tools: false` every list is
   * re-read before answering.
   */
  async freshenTools(): Promise<void> {
    // An approval by CLI since the last list shows now.
    this.firewall.refresh();
    const { cache_tools: cache, cache_ttl: ttl } = this.config.meta_mcp;
    const now = this.now();
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
    this.search.close();
    await this.cluster?.close();
    await Promise.all([this.pool.stopAll(), this.usage.close(), this.telemetry.shutdown()]);
    this.firewall.close();
  }
}
