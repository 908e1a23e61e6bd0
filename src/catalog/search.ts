import MiniSearch, { type SearchResult } from "minisearch";
import SearchableMap from "minisearch/SearchableMap";
import type { Catalog, CatalogEntry } from "./catalog.ts";
import { isStopWord, splitWords, stem, synonyms } from "./tokenize.ts";

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

/** Ranking knobs; the defaults are what scripts/bench/search-quality.ts measured best on both query sets. */
export interface ToolSearchOptions {
  /** Field weights: a word in the tool's name says far more than one in a parameter description. */
  boost?: { name: number; description: number; params: number; server: number };
  /** BM25+ parameters. @default { k: 1.2, b: 0.7, d: 0.5 } */
  bm25?: { k: number; b: number; d: number };
  /** Weight of a term found as the likely fix of a typed word the catalog does not contain. @default 0.7 */
  typoWeight?: number;
  /** Weight of a term added as a synonym of a typed word. @default 0.4 */
  synonymWeight?: number;
}

const DEFAULTS: Required<ToolSearchOptions> = {
  boost: { name: 4, description: 1.5, params: 0.6, server: 1 },
  bm25: { k: 1.2, b: 0.7, d: 0.5 },
  typoWeight: 0.7,
  synonymWeight: 0.4,
};

function paramText(entry: CatalogEntry): string {
  const properties = (entry.tool.inputSchema as { properties?: Record<string, { description?: unknown }> })
    .properties;
  if (!properties) return "";
  return Object.entries(properties)
    .map(([key, prop]) => `${key} ${typeof prop?.description === "string" ? prop.description : ""}`)
    .join(" ");
}

/** Edits allowed when correcting a word of this length (none for short words: too many neighbours). */
function maxTypoDistance(length: number): number {
  return length < 4 ? 0 : length < 8 ? 1 : 2;
}

interface Built {
  index: MiniSearch<IndexedTool>;
  entries: readonly CatalogEntry[];
  /** Every indexed stem. */
  stems: Set<string>;
  /** Every indexed word before stemming → its stem and how many fields hold it (for typo fixes). */
  words: SearchableMap<{ stem: string; count: number }>;
}

/**
 * Full-text search over the catalog (BM25 over name, description, parameters, server) with camelCase/snake
 * splitting, Porter stemming, CJK bigrams, synonym expansion and typo correction against the catalog's own
 * vocabulary.
 */
export class ToolSearch {
  readonly #catalog: Catalog;
  readonly #options: Required<ToolSearchOptions>;
  #built: Built | undefined;
  #builtFor = -1;

  constructor(catalog: Catalog, options: ToolSearchOptions = {}) {
    this.#catalog = catalog;
    this.#options = { ...DEFAULTS, ...options };
  }

  #ensureIndex(): Built {
    if (this.#built && this.#builtFor === this.#catalog.version) return this.#built;
    const stems = new Set<string>();
    const words = new SearchableMap<{ stem: string; count: number }>();
    const index = new MiniSearch<IndexedTool>({
      fields: ["name", "description", "params", "server"],
      tokenize: (text) => {
        const out: string[] = [];
        for (const word of splitWords(text)) {
          if (isStopWord(word)) continue;
          const s = stem(word);
          out.push(s);
          stems.add(s);
          const known = words.get(word);
          if (known) known.count++;
          else words.set(word, { stem: s, count: 1 });
        }
        return out;
      },
      processTerm: (term) => term,
      searchOptions: { boost: this.#options.boost, bm25: this.#options.bm25, combineWith: "OR" },
    });
    const entries = this.#catalog.entries();
    index.addAll(
      entries.map((entry, id) => ({
        id,
        name: entry.tool.name + (entry.tool.title ? ` ${entry.tool.title}` : ""),
        description: entry.tool.description ?? "",
        params: paramText(entry),
        server: `${entry.server} ${entry.serverDescription}`,
      })),
    );
    this.#built = { index, entries, stems, words };
    this.#builtFor = this.#catalog.version;
    return this.#built;
  }

  /** The weighted query terms: typed stems, typo fixes for unknown words, and synonyms. */
  #queryTerms(query: string, built: Built): Map<string, number> {
    const terms = new Map<string, number>();
    const add = (term: string, weight: number): void => {
      if (built.stems.has(term) && (terms.get(term) ?? 0) < weight) terms.set(term, weight);
    };
    for (const word of splitWords(query)) {
      if (isStopWord(word)) continue;
      const s = stem(word);
      add(s, 1);
      if (!built.stems.has(s)) {
        const distance = maxTypoDistance(word.length);
        const fixes = distance > 0 ? built.words.fuzzyGet(word, distance) : undefined;
        if (fixes && fixes.size > 0) {
          const best = Math.min(...[...fixes.values()].map(([, d]) => d));
          for (const [value, d] of fixes.values()) if (d === best) add(value.stem, this.#options.typoWeight);
        }
      }
      for (const other of synonyms(s)) add(other, this.#options.synonymWeight);
    }
    return terms;
  }

  /** The best `limit` tools for a query, highest score first. */
  search(query: string, limit: number): SearchMatch[] {
    const built = this.#ensureIndex();
    const terms = this.#queryTerms(query, built);
    if (terms.size === 0) return [];
    const results: SearchResult[] = built.index.search(query, {
      tokenize: () => [...terms.keys()],
      boostTerm: (term) => terms.get(term) ?? 1,
    });
    return results.slice(0, limit).map((r) => ({
      entry: built.entries[r.id as number] as CatalogEntry,
      score: Math.round(r.score * 1000) / 1000,
    }));
  }
}
