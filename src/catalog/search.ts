import MiniSearch from "minisearch";
import SearchableMap from "minisearch/SearchableMap";
import type { CatalogEntry } from "./catalog.ts";
import { NameIndex, type NameMatch } from "./names.ts";
import type { SearchMatch, SearchSource, ToolRanker } from "./ranker.ts";
import { relatedWords, wordWeight } from "./related-words.ts";
import { stem } from "./stem.ts";
import { synonyms } from "./synonyms.ts";
import { type Scored, TermScores } from "./term-scores.ts";
import { ToolVectors } from "./vectors.ts";
import { isStopWord, splitWords } from "./words.ts";

/** Ranking knobs; the defaults are what scripts/bench/search-quality.ts measured best on both query sets. */
export interface ToolSearchOptions {
  /**
   * Field weights: a word in the tool's name says far more than one in a parameter description.
   * @default { name: 4, description: 1.5, params: 0.6, server: 1 }
   */
  boost?: { name: number; description: number; params: number; server: number };
  /** BM25+ parameters (minisearch's `searchOptions.bm25`). @default { k: 1.2, b: 0.7, d: 0.5 } */
  bm25?: { k: number; b: number; d: number };
  /** Weight of a term found as the likely fix of a typed word the catalog does not contain. @default 0.7 */
  typoWeight?: number;
  /** Weight of a term added as a synonym of a typed word. @default 0.4 */
  synonymWeight?: number;
  /** Stems that mean the same as a stem (benches compare sources). @default `synonyms` of synonyms.ts */
  synonyms?: (stem: string) => readonly string[];
  /**
   * General-English relatives of a typed stem with their weights, asked only for words the catalog does not
   * contain (a known word already matches; its relatives would only add noise).
   * @default `relatedWords` of related-words.ts (WordNet + GloVe)
   */
  related?: (stem: string) => ReadonlyArray<readonly [string, number]>;
  /**
   * How much a typed word (and what it expands to) counts, by how common it is in English (1 = fully).
   * @default `wordWeight` of related-words.ts
   */
  wordWeight?: (word: string) => number;
  /**
   * What the matched-terms factor counts: `terms` (minisearch's: every matched term as 1) or `weights` (the
   * matched terms' weights, so a synonym at 0.4 counts 0.4). @default "weights"
   */
  coordination?: "terms" | "weights";
  /** Weight of catalog words that merely start with a typed word the catalog does not contain. @default 0.375 */
  prefixWeight?: number;
  /**
   * Tool vectors for the semantic signal `searchAsync` fuses with the words (reciprocal-rank fusion); words
   * only while they are being computed, or without them.
   */
  vectors?: ToolVectors;
  /**
   * Reciprocal-rank fusion: each list adds `weight / (k + rank)`: every word match, the first `depth` by meaning.
   * Tuned on the dev sets only (LiveMCPBench tasks, own, held-out, names); never on held-out v2 or GitHub.
   * @default { k: 10, semanticWeight: 0.3, depth: 50 }
   */
  fusion?: { k: number; semanticWeight: number; depth: number };
}

/** The fusion defaults (exported for benches that vary them). */
export const FUSION: Required<ToolSearchOptions>["fusion"] = { k: 10, semanticWeight: 0.3, depth: 50 };

const DEFAULTS: Required<Omit<ToolSearchOptions, "vectors">> = {
  boost: { name: 4, description: 1.5, params: 0.6, server: 1 },
  bm25: { k: 1.2, b: 0.7, d: 0.5 },
  typoWeight: 0.7,
  synonymWeight: 0.4,
  synonyms,
  related: relatedWords,
  wordWeight,
  coordination: "weights",
  prefixWeight: 0.375,
  fusion: FUSION,
};

const FIELDS = ["name", "description", "params", "server"] as const;
type Field = (typeof FIELDS)[number];
type ToolDocument = Record<Field, string> & { id: number };

function toDocument(entry: CatalogEntry, id: number): ToolDocument {
  const properties = (entry.tool.inputSchema as { properties?: Record<string, { description?: unknown }> })
    .properties;
  const params = properties
    ? Object.entries(properties)
        .map(([key, prop]) => `${key} ${typeof prop?.description === "string" ? prop.description : ""}`)
        .join(" ")
    : "";
  return {
    id,
    name: entry.tool.name + (entry.tool.title ? ` ${entry.tool.title}` : ""),
    description: entry.tool.description ?? "",
    params,
    server: `${entry.server} ${entry.serverDescription}`,
  };
}

/** Edits allowed when correcting a word of this length (none for short words: too many neighbours). */
function maxTypoDistance(length: number): number {
  // Past 20 characters a word is an id, a hash or base64, not a misspelling (and fuzzy lookup gets costly).
  return length < 4 || length > 20 ? 0 : length < 8 ? 1 : 2;
}

interface Built {
  entries: readonly CatalogEntry[];
  index: MiniSearch<ToolDocument>;
  /** Every indexed stem (as its index key). */
  stems: Set<string>;
  /**
   * Every indexed word before stemming → its stem, in one radix tree (minisearch's `SearchableMap`, whose
   * fuzzy lookup finds typo fixes) per first letter: a typo rarely hits the first letter, and walking one
   * letter's tree instead of the whole vocabulary keeps the lookup far below a millisecond.
   */
  words: Map<string, SearchableMap<string>>;
  /** Squashed tool names, for queries that name a tool. */
  names: NameIndex;
  /** The index's BM25+ scores per term, computed once per term. */
  scores: TermScores;
}

/**
 * The index's key for a stem. minisearch keeps terms in a radix tree whose nodes scan their children
 * linearly, and CJK bigrams would give the root thousands of children (one per distinct first character),
 * slowing every insert and lookup; spelled as hex code points they branch at most 17 ways per level.
 */
function indexKey(term: string): string {
  return NON_ASCII.test(term)
    ? term.replace(NON_ASCII_G, (c) => `~${(c.codePointAt(0) as number).toString(16).padStart(5, "0")}`)
    : term;
}
const NON_ASCII = /[^\0-\x7f]/u;
const NON_ASCII_G = /[^\0-\x7f]/gu;

/**
 * How much of a query counts: its first 2,000 characters and 64 distinct words. The longest real request in
 * the bench sets has 631 characters and 55 words; past that a query is a paste (a base64 image in one
 * LiveMCPBench task is 18,686 characters, 2,488 "words", and took 40 ms at 10,000 tools).
 */
const MAX_QUERY_CHARS = 2000;
const MAX_QUERY_WORDS = 64;

/** Unknown words shorter than this are not treated as prefixes (too many completions). */
const MIN_PREFIX = 3;

/** Query terms as typed, before weighting: stems joined by spaces (they never contain one). */
const splitTerms = (text: string): string[] => text.split(" ");
const asIs = (term: string): string => term;

/**
 * Full-text search over the catalog with minisearch: BM25+ over name, description, parameters and server
 * with field boosts, camelCase/snake splitting, Porter stemming and CJK bigrams as its tokenizer, synonym
 * expansion (weighted with `boostTerm`), and typo correction (minisearch's fuzzy lookup) only for words the
 * catalog does not contain, so a known word is never stretched into a neighbour (rain is not rainbow).
 * A word the catalog does not contain also brings its general-English relatives (WordNet + GloVe,
 * related-words.ts); every typed word counts less the more common it is in English, and the matched-terms
 * factor adds up the weights of the matched terms (a synonym is not a whole typed word).
 * A query that names a tool (`names.ts`: any case or separators, `server/tool`, or an identifier's prefix)
 * ranks that tool first.
 */
export class ToolSearch implements ToolRanker {
  readonly #catalog: SearchSource;
  readonly #options: Required<Omit<ToolSearchOptions, "vectors">>;
  readonly #vectors: ToolVectors | undefined;
  #built: Built | undefined;
  #builtFor = -1;

  constructor(catalog: SearchSource, options: ToolSearchOptions = {}) {
    this.#catalog = catalog;
    const { vectors, ...rest } = options;
    this.#options = { ...DEFAULTS, ...rest };
    this.#vectors = vectors;
  }

  /** Whether `searchAsync` fuses the semantic signal now (its tool vectors are ready for this catalog). */
  get semanticReady(): boolean {
    return this.#vectors?.matrix() !== undefined;
  }

  #ensureIndex(): Built {
    if (this.#built && this.#builtFor === this.#catalog.version) return this.#built;
    const entries = this.#catalog.entries();
    const stems = new Set<string>();
    const words = new Map<string, SearchableMap<string>>();
    // Each distinct word is stemmed and filed once (a catalog repeats its few thousand words a million times).
    const keys = new Map<string, string>();
    // Server descriptions repeat for every tool of a server: split each distinct text once.
    const split = new Map<string, string[]>();
    const index = new MiniSearch<ToolDocument>({
      fields: [...FIELDS],
      tokenize: (text) => {
        let out = split.get(text);
        if (!out) {
          out = splitWords(text).filter((word) => !isStopWord(word));
          split.set(text, out);
        }
        return out;
      },
      processTerm: (word) => {
        let key = keys.get(word);
        if (key !== undefined) return key;
        key = indexKey(stem(word));
        keys.set(word, key);
        stems.add(key);
        const initial = word[0] as string;
        let tree = words.get(initial);
        if (!tree) {
          tree = new SearchableMap<string>();
          words.set(initial, tree);
        }
        tree.set(word, key);
        return key;
      },
      searchOptions: {
        boost: this.#options.boost,
        bm25: this.#options.bm25,
        combineWith: "OR",
        tokenize: splitTerms,
        processTerm: asIs,
      },
    });
    index.addAll(entries.map(toDocument));
    // Read the general-English tables now, not in the first query (about 80 ms).
    this.#options.related("");
    this.#options.wordWeight("");
    const scores = new TermScores(index, entries.length, {
      prefixWeight: this.#options.prefixWeight,
      coordination: this.#options.coordination,
    });
    this.#built = { entries, index, stems, words, names: new NameIndex(entries), scores };
    this.#builtFor = this.#catalog.version;
    return this.#built;
  }

  /**
   * The weighted query terms (index keys): typed stems, synonyms, and for a word the catalog does not contain
   * its nearest catalog words (typo fixes) or, failing those and synonyms, itself as a prefix.
   */
  #queryTerms(query: string, built: Built): { terms: Map<string, number>; prefixes: Set<string> } {
    const terms = new Map<string, number>();
    const prefixes = new Set<string>();
    const addTerm = (term: string, weight: number): void => {
      if (built.stems.has(term) && (terms.get(term) ?? 0) < weight) terms.set(term, weight);
    };
    let words = 0;
    for (const word of new Set(splitWords(query))) {
      if (isStopWord(word)) continue;
      if (++words > MAX_QUERY_WORDS) break;
      const s = stem(word);
      const key = indexKey(s);
      const g = this.#options.wordWeight(word);
      const add = (term: string, weight: number): void => addTerm(term, weight * g);
      const related = this.#options.synonyms(s).map(indexKey);
      for (const other of related) add(other, this.#options.synonymWeight);
      if (built.stems.has(key)) add(key, 1);
      else {
        // A word the catalog does not contain may still have general-English relatives that it does.
        for (const [other, weight] of this.#options.related(s)) {
          const otherKey = indexKey(other);
          add(otherKey, weight);
          related.push(otherKey);
        }
        const fixes = typoFixes(word, built.words);
        for (const fix of fixes) add(fix, this.#options.typoWeight);
        // Last resort for a word nothing else explains: a word still being typed (not rain → rainbow).
        const explained = fixes.length > 0 || related.some((other) => built.stems.has(other));
        if (!explained && s.length >= MIN_PREFIX && key === s && !terms.has(s)) {
          terms.set(s, g);
          prefixes.add(s);
        }
      }
    }
    return { terms, prefixes };
  }

  /**
   * Word matches (BM25+, best first: the best `limit` beside the named tools, or all of them) and the tools
   * the query names, with their word scores.
   */
  #lexical(whole: string, built: Built, limit?: number): Lexical {
    const query = whole.length > MAX_QUERY_CHARS ? whole.slice(0, MAX_QUERY_CHARS) : whole;
    const { terms, prefixes } = this.#queryTerms(query, built);
    const named = built.names.match(query);
    if (terms.size === 0) return { found: [], named, wordScores: new Map() };
    const { ranked, kept } = built.scores.match(terms, prefixes, {
      ...(limit === undefined ? {} : { limit: limit + named.size }),
      keep: named.keys(),
    });
    return { found: ranked, named, wordScores: kept };
  }

  #finish(built: Built, { found, named, wordScores }: Lexical, limit: number): SearchMatch[] {
    return topK(named.size === 0 ? found : namedFirst(found, named, wordScores), limit).map((r) => ({
      entry: built.entries[r.id] as CatalogEntry,
      score: Math.round(r.score * 1000) / 1000,
    }));
  }

  /**
   * The best `limit` tools for a query by words alone, highest score first (ties in catalog order). Tools the
   * query names (exactly, or by a prefix for identifier-like queries) come before every word match, exact
   * ones first.
   */
  search(query: string, limit: number): SearchMatch[] {
    if (limit < 1) return [];
    const built = this.#ensureIndex();
    return this.#finish(built, this.#lexical(query, built, limit), limit);
  }

  /**
   * Like `search`, with the semantic signal fused in once the tool vectors are ready (reciprocal-rank fusion
   * of the word ranking and the cosine ranking; named tools still first). Words only until then, or when
   * the query cannot be embedded.
   */
  async searchAsync(
    query: string,
    limit: number,
    options: { signal?: AbortSignal } = {},
  ): Promise<SearchMatch[]> {
    if (limit < 1) return [];
    const built = this.#ensureIndex();
    const lexical = this.#lexical(query, built);
    const matrix = this.#vectors?.matrix();
    if (!this.#vectors || !matrix || matrix.count !== built.entries.length || query.trim() === "") {
      return this.#finish(built, lexical, limit);
    }
    let vector: Float32Array;
    try {
      vector = await this.#vectors.queryVector(query, options);
    } catch {
      return this.#finish(built, lexical, limit);
    }
    const { k, semanticWeight, depth } = this.#options.fusion;
    const semantic = ToolVectors.rank(matrix, vector, depth);
    const fused = new Map<number, number>();
    for (const [rank, r] of lexical.found.entries()) fused.set(r.id, 1 / (k + rank + 1));
    for (const [rank, r] of semantic.entries()) {
      fused.set(r.id, (fused.get(r.id) ?? 0) + semanticWeight / (k + rank + 1));
    }
    const ranked = [...fused]
      .map(([id, score]) => ({ id, score: score * 100 }))
      .sort((a, b) => b.score - a.score);
    return this.#finish(
      built,
      { ...lexical, found: ranked, wordScores: fusedScores(ranked, lexical) },
      limit,
    );
  }
}

/** A query's word matches and the tools it names, with the word scores of those. */
interface Lexical {
  found: Scored[];
  named: ReadonlyMap<number, NameMatch>;
  /** Word scores of the named tools that matched words (`found` may stop before them). */
  wordScores: ReadonlyMap<number, number>;
}

/** The fused scores of the named tools, which order them among themselves as word scores do otherwise. */
function fusedScores(ranked: readonly Scored[], { named }: Lexical): Map<number, number> {
  return new Map(ranked.filter((r) => named.has(r.id)).map((r) => [r.id, r.score]));
}

/**
 * Named tools lifted above every word match, keeping the scores descending: a prefix match gains the best
 * word score + 1, an exact one twice that, so exact > prefix > words, and word scores order each tier.
 */
function namedFirst(
  found: readonly Scored[],
  named: ReadonlyMap<number, NameMatch>,
  wordScores: ReadonlyMap<number, number>,
): Scored[] {
  const best = found[0]?.score ?? 0;
  const bonus: Record<NameMatch, number> = { exact: 2 * (best + 1), prefix: best + 1 };
  const lifted = [...named].map(([id, how]) => ({ id, score: (wordScores.get(id) ?? 0) + bonus[how] }));
  return [...lifted.sort((a, b) => b.score - a.score), ...found.filter((r) => !named.has(r.id))];
}

/**
 * Index keys of the closest catalog words to an unknown word (minisearch's Levenshtein lookup; none if short).
 * A swap of two neighbouring letters counts as one edit, as in optimal string alignment: Levenshtein alone
 * charges it two, which would leave "wetaher" uncorrected.
 */
function typoFixes(word: string, words: Map<string, SearchableMap<string>>): string[] {
  const allowed = maxTypoDistance(word.length);
  const tree = words.get(word[0] as string);
  if (allowed === 0 || !tree) return [];
  let best = allowed + 1;
  let fixes: string[] = [];
  for (const [candidate, [key, levenshtein]] of tree.fuzzyGet(word, Math.max(2, allowed))) {
    const distance = levenshtein === 2 && isSwap(word, candidate) ? 1 : levenshtein;
    if (distance > allowed) continue;
    if (distance < best) {
      best = distance;
      fixes = [];
    }
    if (distance === best) fixes.push(key);
  }
  return fixes;
}

/** Whether `b` is `a` with one pair of neighbouring letters swapped. */
function isSwap(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return i < a.length - 1 && a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
}

/** The `limit` best results, ties broken by catalog order so equal scores always rank the same way. */
function topK(results: Scored[], limit: number): Scored[] {
  // The input is sorted by score only; its order among equal scores follows posting order.
  const top = results.slice(0, limit);
  const last = top[top.length - 1];
  if (!last) return top;
  const cut = results.filter((r) => r.score >= last.score);
  return cut.sort((a, b) => b.score - a.score || a.id - b.id).slice(0, limit);
}
