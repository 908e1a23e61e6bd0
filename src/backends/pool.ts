import type { GatewayConfig } from "../config/schema.ts";
import { errorMessage } from "../errors.ts";
import { log } from "../log.ts";
import type { Backend, BackendSnapshot } from "./backend.ts";

/** A backend joining or leaving the pool (hot reload). */
export type PoolEvent = { type: "added"; backend: Backend } | { type: "removed"; backend: Backend };

/** Whether a backend waits for its first call (true) or is started at launch. */
export function isLazy(name: string, config: GatewayConfig): boolean {
  return config.backends[name]?.lazy ?? config.lifecycle.lazy;
}

/** Every configured backend, started and stopped together but failing one at a time. */
export class BackendPool {
  readonly #backends = new Map<string, Backend>();
  readonly #listeners = new Set<(event: PoolEvent) => void>();
  /** Counts `stopAll` calls: a warm-up begun before the latest one takes no further backends. */
  #stops = 0;

  constructor(backends: Iterable<Backend>) {
    for (const backend of backends) this.#backends.set(backend.name, backend);
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
   * (so search covers it); at most `concurrency` at a time. Failures are logged; the rest serve. Once
   * `stopAll` is called the queue is dropped: a worker whose start was cut short by the stop takes no next
   * backend (which would spawn a process after the pool was stopped and outlive the gateway).
   */
  async warmUp(options: { concurrency: number; lazy: (name: string) => boolean }): Promise<void> {
    const queue = this.all().filter((b) => !options.lazy(b.name) || b.snapshot().toolsSource !== "manifest");
    const stops = this.#stops;
    const next = (): Backend | undefined => (this.#stops === stops ? queue.shift() : undefined);
    const worker = async (): Promise<void> => {
      for (let backend = next(); backend; backend = next()) {
        await backend.start().catch((err) => {
          // Stopped while starting (the gateway is shutting down): not the backend's failure.
          if (this.#stops !== stops)
            log.withTag(backend.name).debug(`start ended by stop: ${errorMessage(err)}`);
          else log.withTag(backend.name).error(errorMessage(err));
        });
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
    this.#stops++;
    await Promise.all(this.all().map((backend) => backend.stop().catch(() => undefined)));
  }
}
