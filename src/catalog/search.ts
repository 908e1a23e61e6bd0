import type { Catalog, CatalogEntry } from "./catalog.ts";
import { isStopWord, splitWords, stem, synonyms } from "./tokenize.ts";

/** What the index reads: the catalog's entries and a version that changes whenever they do. */
export type SearchSource = Pick<Catalog, "version" | "entries">;

/** One ranked search hit. */
export interface SearchMatch {
  entry: CatalogEntry;
  score: number;
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

const FIELDS = ["name", "description", "params", "server"] as const;
type Field = (typeof FIELDS)[number];

function fieldTexts(entry: CatalogEntry): Record<Field, string> {
  const properties = (entry.tool.inputSchema as { properties?: Record<string, { description?: unknown }> })
    .properties;
  const params = properties
    ? Object.entries(properties)
        .map(([key, prop]) => `${key} ${typeof prop?.description === "string" ? prop.description : ""}`)
        .join(" ")
    : "";
  return {
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

/** For one term: the tools that contain it and the (field-boosted BM25+) score it gives each. */
interface Postings {
  docs: Int32Array;
  scores: Float32Array;
}

interface Built {
  entries: readonly CatalogEntry[];
  postings: Map<string, Postings>;
  /** Every indexed word before stemming → its stem. */
  words: Map<string, string>;
  /** Each indexed word and each of its one-letter deletions → the words it came from (typo lookup). */
  deletions: Map<string, string[]>;
}

function oneLetterDeletions(word: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < word.length; i++) out.push(word.slice(0, i) + word.slice(i + 1));
  return out;
}

/** Optimal-string-alignment distance (Levenshtein plus adjacent transpositions). */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const prev = rows[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(
        (prev[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (prev[j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, ((rows[i - 2] as number[])[j - 2] as number) + 1);
      }
      row.push(best);
    }
    rows.push(row);
  }
  return (rows[a.length] as number[])[b.length] as number;
}

/**
 * Full-text search over the catalog: BM25+ over name, description, parameters and server, with
 * camelCase/snake splitting, Porter stemming, CJK bigrams, synonym expansion and typo correction against the
 * catalog's own vocabulary. A term's score for each tool is fixed once the catalog is known, so the index
 * stores it precomputed and a query only adds up a few postings lists (well under 1 ms at 10,000 tools).
 */
export class ToolSearch {
  readonly #catalog: SearchSource;
  readonly #options: Required<ToolSearchOptions>;
  #built: Built | undefined;
  #builtFor = -1;

  constructor(catalog: SearchSource, options: ToolSearchOptions = {}) {
    this.#catalog = catalog;
    this.#options = { ...DEFAULTS, ...options };
  }

  #ensureIndex(): Built {
    if (this.#built && this.#builtFor === this.#catalog.version) return this.#built;
    const entries = this.#catalog.entries();
    const words = new Map<string, string>();
    // Server descriptions repeat for every tool of a server: tokenize each distinct text once.
    const cache = new Map<string, string[]>();
    const tokens = (text: string): string[] => {
      let out = cache.get(text);
      if (out) return out;
      out = [];
      for (const word of splitWords(text)) {
        if (isStopWord(word)) continue;
        const s = stem(word);
        out.push(s);
        if (!words.has(word)) words.set(word, s);
      }
      cache.set(text, out);
      return out;
    };

    // Pass 1: term frequencies per tool and field, document frequencies and lengths per field.
    const docs = entries.map((entry) => {
      const texts = fieldTexts(entry);
      return FIELDS.map((field) => {
        const list = tokens(texts[field]);
        const tf = new Map<string, number>();
        for (const t of list) tf.set(t, (tf.get(t) ?? 0) + 1);
        return { tf, length: list.length };
      });
    });
    const n = entries.length;
    const df = FIELDS.map(() => new Map<string, number>());
    const avgLength = FIELDS.map((_, f) => {
      let total = 0;
      for (const doc of docs) {
        const field = doc[f] as { tf: Map<string, number>; length: number };
        total += field.length;
        const dfField = df[f] as Map<string, number>;
        for (const term of field.tf.keys()) dfField.set(term, (dfField.get(term) ?? 0) + 1);
      }
      return total / Math.max(1, n) || 1;
    });

    // Pass 2: each (term, tool) score, summed over fields.
    const { k, b, d } = this.#options.bm25;
    const lists = new Map<string, { docs: number[]; scores: number[] }>();
    docs.forEach((doc, id) => {
      FIELDS.forEach((field, f) => {
        const { tf, length } = doc[f] as { tf: Map<string, number>; length: number };
        const boost = this.#options.boost[field];
        for (const [term, freq] of tf) {
          const matching = (df[f] as Map<string, number>).get(term) ?? 1;
          const idf = Math.log(1 + (n - matching + 0.5) / (matching + 0.5));
          const norm = freq + k * (1 - b + (b * length) / (avgLength[f] as number));
          const score = boost * idf * (d + (freq * (k + 1)) / norm);
          let list = lists.get(term);
          if (!list) {
            list = { docs: [], scores: [] };
            lists.set(term, list);
          }
          const last = list.docs.length - 1;
          if (list.docs[last] === id) list.scores[last] = (list.scores[last] as number) + score;
          else {
            list.docs.push(id);
            list.scores.push(score);
          }
        }
      });
    });
    const postings = new Map<string, Postings>();
    for (const [term, list] of lists) {
      postings.set(term, { docs: Int32Array.from(list.docs), scores: Float32Array.from(list.scores) });
    }
    // Symmetric-deletion typo index: two words within one edit or transposition share a key.
    const deletions = new Map<string, string[]>();
    for (const word of words.keys()) {
      if (maxTypoDistance(word.length + 1) === 0 && maxTypoDistance(word.length - 1) === 0) continue;
      for (const key of new Set([word, ...oneLetterDeletions(word)])) {
        const list = deletions.get(key);
        if (list) list.push(word);
        else deletions.set(key, [word]);
      }
    }
    this.#built = { entries, postings, words, deletions };
    this.#builtFor = this.#catalog.version;
    return this.#built;
  }

  /** The weighted query terms: typed stems, typo fixes for unknown words, and synonyms. */
  #queryTerms(query: string, built: Built): Map<string, number> {
    const terms = new Map<string, number>();
    const add = (term: string, weight: number): void => {
      if (built.postings.has(term) && (terms.get(term) ?? 0) < weight) terms.set(term, weight);
    };
    for (const word of splitWords(query)) {
      if (isStopWord(word)) continue;
      const s = stem(word);
      add(s, 1);
      if (!built.postings.has(s)) {
        for (const fix of typoFixes(word, built)) add(fix, this.#options.typoWeight);
      }
      for (const other of synonyms(s)) add(other, this.#options.synonymWeight);
    }
    return terms;
  }

  /** The best `limit` tools for a query, highest score first (ties in catalog order). */
  search(query: string, limit: number): SearchMatch[] {
    const built = this.#ensureIndex();
    const terms = this.#queryTerms(query, built);
    if (terms.size === 0 || limit < 1) return [];
    const totals = new Float64Array(built.entries.length);
    const matched = new Uint16Array(built.entries.length);
    const touched: number[] = [];
    for (const [term, weight] of terms) {
      const { docs, scores } = built.postings.get(term) as Postings;
      for (let i = 0; i < docs.length; i++) {
        const doc = docs[i] as number;
        if (matched[doc] === 0) touched.push(doc);
        matched[doc] = (matched[doc] as number) + 1;
        totals[doc] = (totals[doc] as number) + weight * (scores[i] as number);
      }
    }
    // A tool that matches more of the query's terms beats one that matches a single term strongly.
    for (const doc of touched) totals[doc] = (totals[doc] as number) * (matched[doc] as number);
    return topK(touched, totals, limit).map((doc) => ({
      entry: built.entries[doc] as CatalogEntry,
      score: Math.round((totals[doc] as number) * 1000) / 1000,
    }));
  }
}

/** Stems of the closest catalog words to an unknown word (one edit or transposition away; none if short). */
function typoFixes(word: string, built: Built): string[] {
  const allowed = maxTypoDistance(word.length);
  if (allowed === 0) return [];
  const candidates = new Set<string>();
  for (const key of [word, ...oneLetterDeletions(word)]) {
    for (const candidate of built.deletions.get(key) ?? []) candidates.add(candidate);
  }
  let best = allowed + 1;
  let fixes: string[] = [];
  for (const candidate of candidates) {
    const distance = editDistance(word, candidate);
    if (distance < best) {
      best = distance;
      fixes = [];
    }
    if (distance === best) fixes.push(built.words.get(candidate) as string);
  }
  return fixes;
}

/** The `limit` best documents by score (ties: lower id first) without sorting every candidate. */
function topK(candidates: number[], totals: Float64Array, limit: number): number[] {
  const better = (a: number, b: number): boolean =>
    (totals[a] as number) > (totals[b] as number) || (totals[a] === totals[b] && a < b);
  const top: number[] = [];
  for (const doc of candidates) {
    if (top.length === limit && !better(doc, top[top.length - 1] as number)) continue;
    let i = top.length < limit ? top.length : limit - 1;
    while (i > 0 && better(doc, top[i - 1] as number)) {
      top[i] = top[i - 1] as number;
      i--;
    }
    top[i] = doc;
  }
  return top;
}
