import { CapabilityBackend } from "../capabilities/backend.ts";
import type { GatewayConfig } from "../config/schema.ts";
import { errorMessage } from "../errors.ts";
import { log } from "../log.ts";
import type { Backend, BackendSnapshot } from "./backend.ts";
import { createBackend } from "./create.ts";
import type { SpawnFn } from "./spawn-transport.ts";

/** Every configured backend, started and stopped together but failing one at a time. */
export class BackendPool {
  readonly #backends = new Map<string, Backend>();

  constructor(backends: Iterable<Backend>) {
    for (const backend of backends) this.#backends.set(backend.name, backend);
  }

  /** Builds the pool for a config's enabled backends. */
  static fromConfig(config: GatewayConfig, options: { spawn?: SpawnFn } = {}): BackendPool {
    const backends: Backend[] = [];
    for (const [name, entry] of Object.entries(config.backends)) {
      if (!entry.enabled) continue;
      backends.push(
        createBackend(name, entry, {
          defaultTimeoutMs: config.server.request_timeout,
          log: log.withTag(name),
          ...(options.spawn ? { spawn: options.spawn } : {}),
        }),
      );
    }
    const caps = config.capabilities;
    if (caps.enabled && config.backends[caps.name] === undefined) {
      backends.push(
        new CapabilityBackend({
          name: caps.name,
          builtin: caps.builtin,
          directories: caps.directories,
          defaultTimeoutMs: config.server.request_timeout,
          log: log.withTag(caps.name),
        }),
      );
    } else if (caps.enabled) {
      log.warn(`a backend is already named "${caps.name}"; set capabilities.name to serve capabilities`);
    }
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

  /** Starts every backend in parallel; one that fails is logged and left in `error`, the rest serve. */
  async startAll(): Promise<void> {
    await Promise.all(
      this.all().map((backend) =>
        backend.start().catch((err) => log.withTag(backend.name).error(errorMessage(err))),
      ),
    );
  }

  /** Stops every backend in parallel (each closes stdin, then SIGTERM, then SIGKILL its process group). */
  async stopAll(): Promise<void> {
    await Promise.all(this.all().map((backend) => backend.stop().catch(() => undefined)));
  }
}
