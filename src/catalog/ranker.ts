import type { Catalog, CatalogEntry } from "./catalog.ts";

/** What a ranker reads: the catalog's entries and a version that changes whenever they do. */
export type SearchSource = Pick<Catalog, "version" | "entries">;

/** One ranked search hit. */
export interface SearchMatch {
  entry: CatalogEntry;
  score: number;
}

/**
 * A search engine over the catalog. The gateway's `ToolSearch` implements it; so can any engine a bench
 * wants to put beside it, built the same way from a `SearchSource`.
 */
export interface ToolRanker {
  /** The best `limit` tools for a query, highest score first (scores never increase down the list). */
  search(query: string, limit: number): SearchMatch[];
}

/** Builds a ranker over a catalog; the ranker follows the catalog's changes itself. */
export type RankerFactory = (catalog: SearchSource) => ToolRanker;
