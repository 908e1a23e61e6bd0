import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import type { Backend } from "../backends/backend.ts";
import type { BackendPool } from "../backends/pool.ts";

/** One tool of one backend. Names repeat across backends; (server, tool) is the key. */
export interface CatalogEntry {
  server: string;
  serverDescription: string;
  tool: Tool;
}

/** What decides which of a backend's tools are shown (the firewall: pinned, quarantined). */
export interface ToolGate {
  admit(lists: readonly { server: string; tools: readonly Tool[] }[]): Map<string, readonly Tool[]>;
  onChange(listener: () => void): () => void;
}

/** The merged, always-current list of every backend's tools (backends may come and go: hot reload). */
export class Catalog {
  readonly #pool: BackendPool;
  readonly #listeners = new Set<() => void>();
  readonly #unsubscribe = new Map<Backend, () => void>();
  readonly #gate: ToolGate | undefined;
  readonly #transform: ((server: string, tools: readonly Tool[]) => readonly Tool[]) | undefined;
  #entries: CatalogEntry[] | undefined;
  #byKey: Map<string, CatalogEntry> | undefined;
  /** The gate's answer, and the backends' lists it was given (a list replaced without an event counts too). */
  #admitted: { shown: Map<string, readonly Tool[]>; from: Map<string, readonly Tool[]> } | undefined;
  #version = 0;

  constructor(
    pool: BackendPool,
    options: {
      gate?: ToolGate | undefined;
      /** A backend's tools as clients see them (its transform chain); the same array for the same input. */
      transform?: (server: string, tools: readonly Tool[]) => readonly Tool[];
    } = {},
  ) {
    this.#pool = pool;
    this.#gate = options.gate;
    this.#transform = options.transform;
    this.#gate?.onChange(() => this.#changed());
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
    this.#admitted = undefined;
    this.#entries = undefined;
    this.#byKey = undefined;
    this.#version++;
    for (const listener of this.#listeners) listener();
  }

  /** Increments whenever any backend's tool list changes (lets indexes rebuild lazily). */
  get version(): number {
    this.#shown();
    return this.#version;
  }

  entries(): readonly CatalogEntry[] {
    const shown = this.#shown();
    this.#entries ??= this.#pool.all().flatMap((backend) =>
      (shown?.get(backend.name) ?? this.#toolsOf(backend)).map((tool) => ({
        server: backend.name,
        serverDescription: backend.description,
        tool,
      })),
    );
    return this.#entries;
  }

  /** The tools of one backend clients may see, or undefined when no such backend exists. */
  toolsOf(server: string): readonly Tool[] | undefined {
    const backend = this.#pool.get(server);
    if (!backend) return undefined;
    return this.#shown()?.get(server) ?? this.#toolsOf(backend);
  }

  #toolsOf(backend: Backend): readonly Tool[] {
    return this.#transform ? this.#transform(backend.name, backend.tools) : backend.tools;
  }

  /** What the gate lets through, recomputed when any backend's list is another array than it was given. */
  #shown(): Map<string, readonly Tool[]> | undefined {
    if (!this.#gate) return undefined;
    const backends = this.#pool.all();
    const admitted = this.#admitted;
    const current =
      admitted !== undefined &&
      admitted.from.size === backends.length &&
      backends.every((b) => admitted.from.get(b.name) === this.#toolsOf(b));
    if (current) return admitted.shown;
    if (admitted !== undefined) {
      this.#entries = undefined;
      this.#byKey = undefined;
      this.#version++;
    }
    const lists = backends.map((b) => ({ server: b.name, tools: this.#toolsOf(b) }));
    const shown = this.#gate.admit(lists);
    this.#admitted = { shown, from: new Map(lists.map((l) => [l.server, l.tools])) };
    return shown;
  }

  find(server: string, tool: string): CatalogEntry | undefined {
    this.#shown();
    this.#byKey ??= new Map(this.entries().map((e) => [`${e.server}\u0000${e.tool.name}`, e]));
    return this.#byKey.get(`${server}\u0000${tool}`);
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
