import { CapabilityBackend } from "../capabilities/backend.ts";
import type { GatewayConfig } from "../config/schema.ts";
import { errorMessage } from "../errors.ts";
import { log } from "../log.ts";
import { cacheDir } from "../user-dirs.ts";
import type { Backend, BackendSnapshot } from "./backend.ts";
import { createBackend } from "./create.ts";
import { ManifestStore, manifestKey } from "./manifest.ts";
import type { SpawnFn } from "./spawn-transport.ts";

/** A backend joining or leaving the pool (hot reload). */
export type PoolEvent = { type: "added"; backend: Backend } | { type: "removed"; backend: Backend };

/** Options for building backends from config. */
export interface PoolBuildOptions {
  spawn?: SpawnFn;
  now?: () => number;
}

/** Builds the backend for one config entry with the lifecycle settings and manifest store applied. */
export function buildBackend(
  name: string,
  config: GatewayConfig,
  options: PoolBuildOptions = {},
): Backend | undefined {
  const entry = config.backends[name];
  if (!entry?.enabled) return undefined;
  const lifecycle = config.lifecycle;
  const store = new ManifestStore(lifecycle.cache_dir ?? cacheDir());
  return createBackend(name, entry, {
    defaultTimeoutMs: config.server.request_timeout,
    log: log.withTag(name),
    idleTimeoutMs: entry.idle_timeout ?? lifecycle.idle_timeout,
    pingIntervalMs: lifecycle.health_check_interval,
    manifest: { store, key: manifestKey(name, entry) },
    ...(options.spawn ? { spawn: options.spawn } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
}

/** The REST capabilities backend, when enabled and its name is free. */
export function buildCapabilities(config: GatewayConfig): Backend | undefined {
  const caps = config.capabilities;
  if (!caps.enabled) return undefined;
  if (config.backends[caps.name] !== undefined) {
    log.warn(`a backend is already named "${caps.name}"; set capabilities.name to serve capabilities`);
    return undefined;
  }
  return new CapabilityBackend({
    name: caps.name,
    builtin: caps.builtin,
    directories: caps.directories,
    defaultTimeoutMs: config.server.request_timeout,
    log: log.withTag(caps.name),
  });
}

/** Whether a backend waits for its first call (true) or is started at launch. */
export function isLazy(name: string, config: GatewayConfig): boolean {
  return config.backends[name]?.lazy ?? config.lifecycle.lazy;
}

/** Every configured backend, started and stopped together but failing one at a time. */
export class BackendPool {
  readonly #backends = new Map<string, Backend>();
  readonly #listeners = new Set<(event: PoolEvent) => void>();

  constructor(backends: Iterable<Backend>) {
    for (const backend of backends) this.#backends.set(backend.name, backend);
  }

  /** Builds the pool for a config's enabled backends (plus the REST capabilities backend). */
  static fromConfig(config: GatewayConfig, options: PoolBuildOptions = {}): BackendPool {
    const backends: Backend[] = [];
    for (const name of Object.keys(config.backends)) {
      const backend = buildBackend(name, config, options);
      if (backend) backends.push(backend);
    }
    const capabilities = buildCapabilities(config);
    if (capabilities) backends.push(capabilities);
    return new BackendPool(backends);
  }

  get(name: string): Backend | undefined {
    return this.#backends.get(name);
  }

  get names(): string[] {
    return [...this.#backends.keys()];
  }

  all(): Backend[] {
    return [...this.#backends.values()];
  }

  snapshots(): BackendSnapshot[] {
    return this.all().map((b) => b.snapshot());
  }

  onChange(listener: (event: PoolEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Adds a backend (replacing none: remove the old one first). */
  add(backend: Backend): void {
    this.#backends.set(backend.name, backend);
    for (const listener of this.#listeners) listener({ type: "added", backend });
  }

  /** Removes and stops a backend. */
  async remove(name: string): Promise<void> {
    const backend = this.#backends.get(name);
    if (!backend) return;
    this.#backends.delete(name);
    for (const listener of this.#listeners) listener({ type: "removed", backend });
    await backend.stop().catch(() => undefined);
  }

  /**
   * Brings backends up at launch: every eager one, and every lazy one whose tools are not yet known
   * (so search covers it); at most `concurrency` at a time. Failures are logged; the rest serve.
   */
  async warmUp(options: { concurrency: number; lazy: (name: string) => boolean }): Promise<void> {
    const queue = this.all().filter((b) => !options.lazy(b.name) || b.snapshot().toolsSource !== "manifest");
    const worker = async (): Promise<void> => {
      for (let backend = queue.shift(); backend; backend = queue.shift()) {
        await backend.start().catch((err) => log.withTag(backend.name).error(errorMessage(err)));
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  }

  /** Idle and health housekeeping for every backend. */
  tick(now: number): void {
    for (const backend of this.all()) backend.tick?.(now);
  }

  /** Stops every backend in parallel (each closes stdin, then SIGTERM, then SIGKILL its process group). */
  async stopAll(): Promise<void> {
    await Promise.all(this.all().map((backend) => backend.stop().catch(() => undefined)));
  }
}
