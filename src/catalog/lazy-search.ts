import type { SearchConfig } from "../config/schema.ts";
import type { SearchMatch, SearchSource } from "./ranker.ts";
import type { ToolSearch } from "./search.ts";
import type { SemanticOptions } from "./semantic.ts";
import type { ToolVectors } from "./vectors.ts";

interface Loaded {
  search: ToolSearch;
  vectors: ToolVectors | undefined;
}

/**
 * The gateway's tool search, loaded at the first query: minisearch, the stemmer, the word tables and the
 * semantic side are a dozen modules a gateway that is never searched (a transparent one, or one whose
 * clients call tools by name) would otherwise hold from start-up on. The index was built at the first
 * query already, and the tool vectors computed from it on; only the modules' loading moves there too.
 */
export class LazyToolSearch {
  readonly #catalog: SearchSource;
  readonly #settings: SearchConfig;
  readonly #semantic: SemanticOptions;
  #loaded: Promise<Loaded> | undefined;
  #closed = false;

  constructor(catalog: SearchSource, settings: SearchConfig, semantic: SemanticOptions) {
    this.#catalog = catalog;
    this.#settings = settings;
    this.#semantic = semantic;
  }

  /** Whether the search modules have been asked for (by a query). */
  get loaded(): boolean {
    return this.#loaded !== undefined;
  }

  /** `ToolSearch.searchAsync`, once the search is loaded. */
  async searchAsync(
    query: string,
    limit: number,
    options: { signal?: AbortSignal } = {},
  ): Promise<SearchMatch[]> {
    const { search } = await this.#load();
    return search.searchAsync(query, limit, options);
  }

  /** Stops the tool vectors' work (now, or as soon as a load under way ends). */
  close(): void {
    this.#closed = true;
    void this.#loaded?.then(({ vectors }) => vectors?.close()).catch(() => undefined);
  }

  #load(): Promise<Loaded> {
    this.#loaded ??= (async () => {
      const [{ ToolSearch }, { toolVectorsFor }] = await Promise.all([
        import("./search.ts"),
        import("./semantic.ts"),
      ]);
      const vectors = this.#closed
        ? undefined
        : toolVectorsFor(this.#settings, this.#catalog, this.#semantic);
      const search = new ToolSearch(this.#catalog, vectors ? { vectors } : {});
      return { search, vectors };
    })();
    return this.#loaded;
  }
}
