import type MiniSearch from "minisearch";

/** A tool's id (its position in the catalog) and score. */
export interface Scored {
  id: number;
  score: number;
}

/** One query term's matches: tool ids and minisearch's score for the term alone at weight 1. */
interface Posting {
  ids: Int32Array;
  scores: Float64Array;
}

/** What a scored query leaves: its matches, best first, and the word scores of chosen tools. */
export interface TermMatches {
  /** The best matches by score, ties by id (all of them when no limit was given). */
  ranked: Scored[];
  /** Word scores of the `keep` tools that matched at all. */
  kept: Map<number, number>;
}

/**
 * minisearch's BM25+ scores for OR queries, with each term's matches computed once and kept as typed arrays.
 *
 * minisearch scores an OR query by walking every posting of every term, building a Map entry with match
 * details per tool and term, merging the Maps, then sorting every match: ~2 ms at 10,000 tools for a long
 * request, most of it allocation. A term's score for a tool does not depend on the rest of the query, so here
 * each term is asked of minisearch once, alone (the same scoring: field boosts, BM25+ parameters, prefix
 * weights), and its postings are reused: a query adds `weight × term score` per tool into one array, multiplies
 * by the number of query terms the tool matched (minisearch's quality factor), and keeps only the best `limit`.
 * The ranking is minisearch's own, to floating-point rounding. With `coordination: "weights"` that factor
 * adds up the weights of the matched terms instead: a synonym at 0.4 counts 0.4 of a typed word, so a tool
 * matching many weak expansions no longer outranks one matching the words typed.
 */
export class TermScores {
  readonly #index: MiniSearch;
  readonly #prefixWeight: number;
  readonly #maxCached: number;
  readonly #cache = new Map<string, Posting>();
  #cached = 0;
  readonly #sum: Float64Array;
  readonly #terms: Float64Array;
  readonly #byWeight: boolean;
  readonly #touched: Int32Array;

  /**
   * @param index a built index whose ids are 0 … documents - 1
   * @param options `prefixWeight`: minisearch's prefix weight; `maxCached`: postings kept before the cache
   *   starts over (memory bound, 12 bytes each) @default 2,000,000; `coordination`: what the matched-terms
   *   factor counts, `terms` (minisearch's) or `weights` (of the matched terms) @default "terms"
   */
  constructor(
    index: MiniSearch,
    documents: number,
    options: { prefixWeight: number; maxCached?: number; coordination?: "terms" | "weights" },
  ) {
    this.#index = index;
    this.#prefixWeight = options.prefixWeight;
    this.#maxCached = options.maxCached ?? 2_000_000;
    this.#sum = new Float64Array(documents);
    this.#terms = new Float64Array(documents);
    this.#byWeight = options.coordination === "weights";
    this.#touched = new Int32Array(documents);
  }

  #posting(term: string, prefix: boolean): Posting {
    // "*" never occurs in an index key (stems and ~hex code points), so it cannot collide.
    const key = prefix ? `*${term}` : term;
    const hit = this.#cache.get(key);
    if (hit) return hit;
    const results = this.#index.search(term, {
      prefix,
      fuzzy: false,
      weights: { fuzzy: 0, prefix: this.#prefixWeight },
      boostTerm: () => 1,
    });
    const posting = {
      ids: Int32Array.from(results, (r) => r.id as number),
      scores: Float64Array.from(results, (r) => r.score),
    };
    if (this.#cached + posting.ids.length > this.#maxCached) {
      this.#cache.clear();
      this.#cached = 0;
    }
    this.#cache.set(key, posting);
    this.#cached += posting.ids.length;
    return posting;
  }

  /**
   * The tools matching any of `terms` (index key → weight; keys in `prefixes` also match as prefixes), scored
   * as minisearch scores the OR query; the best `limit` of them (every match without a limit).
   */
  match(
    terms: ReadonlyMap<string, number>,
    prefixes: ReadonlySet<string>,
    options: { limit?: number; keep?: Iterable<number> } = {},
  ): TermMatches {
    const sum = this.#sum;
    const counts = this.#terms;
    const touched = this.#touched;
    let n = 0;
    for (const [term, weight] of terms) {
      const counted = this.#byWeight ? weight : 1;
      const { ids, scores } = this.#posting(term, prefixes.has(term));
      for (let i = 0; i < ids.length; i++) {
        const id = ids[i] as number;
        if (counts[id] === 0) touched[n++] = id;
        sum[id] = (sum[id] as number) + weight * (scores[i] as number);
        counts[id] = (counts[id] as number) + counted;
      }
    }
    const kept = new Map<number, number>();
    for (const id of options.keep ?? []) {
      if ((counts[id] as number) > 0) kept.set(id, (sum[id] as number) * (counts[id] as number));
    }
    const ranked = best(touched, n, options.limit ?? n, (id) => (sum[id] as number) * (counts[id] as number));
    for (let i = 0; i < n; i++) {
      const id = touched[i] as number;
      sum[id] = 0;
      counts[id] = 0;
    }
    return { ranked, kept };
  }
}

/** Score descending, then id ascending: the order every ranking ends in. */
const before = (a: Scored, b: Scored): boolean => a.score > b.score || (a.score === b.score && a.id < b.id);

/** The best `limit` of the first `n` ids in order, kept in a sorted array (limit is small: a search's top k). */
function best(ids: Int32Array, n: number, limit: number, scoreOf: (id: number) => number): Scored[] {
  if (limit >= n) {
    const all = Array.from(ids.subarray(0, n), (id) => ({ id, score: scoreOf(id) }));
    return all.sort((a, b) => b.score - a.score || a.id - b.id);
  }
  const top: Scored[] = [];
  for (let i = 0; i < n; i++) {
    const id = ids[i] as number;
    const score = scoreOf(id);
    const last = top[limit - 1];
    if (last && !(score > last.score || (score === last.score && id < last.id))) continue;
    const candidate = { id, score };
    let lo = 0;
    let hi = top.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(top[mid] as Scored, candidate)) lo = mid + 1;
      else hi = mid;
    }
    top.splice(lo, 0, candidate);
    if (top.length > limit) top.pop();
  }
  return top;
}
