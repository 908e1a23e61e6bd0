import MiniSearch, { type SearchResult } from "minisearch";
import type { Catalog, CatalogEntry } from "./catalog.ts";
import { tokenize } from "./tokenize.ts";

/** One ranked search hit. */
export interface SearchMatch {
  entry: CatalogEntry;
  score: number;
}

interface IndexedTool {
  id: number;
  name: string;
  description: string;
  params: string;
  server: string;
}

/** Field weights: a word in the tool's name says far more than one in a parameter description. */
const BOOST = { name: 4, description: 1.5, params: 0.6, server: 1 } as const;

function paramText(entry: CatalogEntry): string {
  const properties = (entry.tool.inputSchema as { properties?: Record<string, { description?: unknown }> })
    .properties;
  if (!properties) return "";
  return Object.entries(properties)
    .map(([key, prop]) => `${key} ${typeof prop?.description === "string" ? prop.description : ""}`)
    .join(" ");
}

/** Full-text search over the catalog (name, description, parameters, server) with prefix and fuzzy terms. */
export class ToolSearch {
  readonly #catalog: Catalog;
  #index: MiniSearch<IndexedTool> | undefined;
  #entries: readonly CatalogEntry[] = [];
  #builtFor = -1;

  constructor(catalog: Catalog) {
    this.#catalog = catalog;
  }

  #ensureIndex(): MiniSearch<IndexedTool> {
    if (this.#index && this.#builtFor === this.#catalog.version) return this.#index;
    const index = new MiniSearch<IndexedTool>({
      fields: ["name", "description", "params", "server"],
      tokenize: (text) => tokenize(text),
      processTerm: (term) => term,
      searchOptions: {
        boost: BOOST,
        prefix: (term) => term.length >= 3,
        fuzzy: (term) => (term.length >= 5 ? 0.2 : false),
        combineWith: "OR",
      },
    });
    this.#entries = this.#catalog.entries();
    index.addAll(
      this.#entries.map((entry, id) => ({
        id,
        name: entry.tool.name + (entry.tool.title ? ` ${entry.tool.title}` : ""),
        description: entry.tool.description ?? "",
        params: paramText(entry),
        server: `${entry.server} ${entry.serverDescription}`,
      })),
    );
    this.#index = index;
    this.#builtFor = this.#catalog.version;
    return index;
  }

  /** The best `limit` tools for a query, highest score first. */
  search(query: string, limit: number): SearchMatch[] {
    const index = this.#ensureIndex();
    const results: SearchResult[] = index.search(query);
    return results.slice(0, limit).map((r) => ({
      entry: this.#entries[r.id as number] as CatalogEntry,
      score: Math.round(r.score * 1000) / 1000,
    }));
  }
}
