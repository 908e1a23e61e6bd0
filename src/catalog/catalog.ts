import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import type { Backend } from "../backends/backend.ts";

/** One tool of one backend. Names repeat across backends; (server, tool) is the key. */
export interface CatalogEntry {
  server: string;
  serverDescription: string;
  tool: Tool;
}

/** The merged, always-current list of every backend's tools. */
export class Catalog {
  readonly #backends: Backend[];
  readonly #listeners = new Set<() => void>();
  #entries: CatalogEntry[] | undefined;
  #byKey: Map<string, CatalogEntry> | undefined;
  #version = 0;

  constructor(backends: Backend[]) {
    this.#backends = backends;
    for (const backend of backends) {
      backend.onToolsChanged((kind) => {
        if (kind !== undefined && kind !== "tools") return;
        this.#entries = undefined;
        this.#byKey = undefined;
        this.#version++;
        for (const listener of this.#listeners) listener();
      });
    }
  }

  /** Increments whenever any backend's tool list changes (lets indexes rebuild lazily). */
  get version(): number {
    return this.#version;
  }

  entries(): readonly CatalogEntry[] {
    this.#entries ??= this.#backends.flatMap((backend) =>
      backend.tools.map((tool) => ({ server: backend.name, serverDescription: backend.description, tool })),
    );
    return this.#entries;
  }

  /** The tools of one backend, or undefined when no such backend exists. */
  toolsOf(server: string): readonly Tool[] | undefined {
    return this.#backends.find((b) => b.name === server)?.tools;
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
