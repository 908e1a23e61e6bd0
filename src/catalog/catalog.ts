import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import type { Backend } from "../backends/backend.ts";
import type { BackendPool } from "../backends/pool.ts";

/** One tool of one backend. Names repeat across backends; (server, tool) is the key. */
export interface CatalogEntry {
  server: string;
  serverDescription: string;
  tool: Tool;
}

/** The merged, always-current list of every backend's tools (backends may come and go: hot reload). */
export class Catalog {
  readonly #pool: BackendPool;
  readonly #listeners = new Set<() => void>();
  readonly #unsubscribe = new Map<Backend, () => void>();
  #entries: CatalogEntry[] | undefined;
  #byKey: Map<string, CatalogEntry> | undefined;
  #version = 0;

  constructor(pool: BackendPool) {
    this.#pool = pool;
    for (const backend of pool.all()) this.#watch(backend);
    pool.onChange((event) => {
      if (event.type === "added") this.#watch(event.backend);
      else {
        this.#unsubscribe.get(event.backend)?.();
        this.#unsubscribe.delete(event.backend);
      }
      this.#changed();
    });
  }

  #watch(backend: Backend): void {
    this.#unsubscribe.set(
      backend,
      backend.onToolsChanged((kind) => {
        if (kind === undefined || kind === "tools") this.#changed();
      }),
    );
  }

  #changed(): void {
    this.#entries = undefined;
    this.#byKey = undefined;
    this.#version++;
    for (const listener of this.#listeners) listener();
  }

  /** Increments whenever any backend's tool list changes (lets indexes rebuild lazily). */
  get version(): number {
    return this.#version;
  }

  entries(): readonly CatalogEntry[] {
    this.#entries ??= this.#pool
      .all()
      .flatMap((backend) =>
        backend.tools.map((tool) => ({ server: backend.name, serverDescription: backend.description, tool })),
      );
    return this.#entries;
  }

  /** The tools of one backend, or undefined when no such backend exists. */
  toolsOf(server: string): readonly Tool[] | undefined {
    return this.#pool.get(server)?.tools;
  }

  find(server: string, tool: string): CatalogEntry | undefined {
    this.#byKey ??= new Map(this.entries().map((e) => [`${e.server}\u0000${e.tool.name}`, e]));
    return this.#byKey.get(`${server}\u0000${tool}`);
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
