import { readFileSync } from "node:fs";
import COMMON_FILE from "./data/common-words.txt" with { type: "file" };
import RELATED_FILE from "./data/related-words.txt" with { type: "file" };

/**
 * General-English word data for search, generated from WordNet 3.1 and GloVe word vectors by
 * scripts/bench/search-related-words.ts (no tool catalog or query set went into it):
 * - related stems (`relatedWords`): WordNet synonyms, derivations, hypernyms/hyponyms and GloVe neighbours that
 *   the vectors confirm, up to 3 per stem; search adds them for a typed word the catalog does not contain
 *   ("encyclopedia" → wikipedia, dictionary);
 * - how common a word is in English (`wordWeight`): a typed word among the 10,000 most frequent counts
 *   log(rank + 1) / log(10,000) (at least 0.2), so "make" or "new" weigh less than "encyclopedia".
 * Both files are embedded in the binary (`with { type: "file" }`) and read on first use.
 */

/** Weight search gives a related stem of a typed word the catalog does not contain (tuned on dev sets only). */
export const RELATED_WEIGHT = 0.6;
/** Words at this frequency rank or rarer count fully. */
const COMMON_RANKS = 10_000;
const MIN_WORD_WEIGHT = 0.2;

/**
 * A table file kept as its text and the start of each line, sorted by the line's first word: a word is
 * found by binary search, with no per-line strings, arrays or map entries (the tables cost ~1 MiB, where
 * a Map of lines cost ~13 MiB of RSS).
 */
class Table {
  readonly #text: string;
  /** Line starts, sorted by first word. */
  readonly #starts: Int32Array;
  /** Line number in the file (from 0, comments skipped) of each sorted entry. */
  readonly #ranks: Int32Array;

  constructor(text: string) {
    this.#text = text;
    const starts: number[] = [];
    for (let start = 0; start < text.length; ) {
      let end = text.indexOf("\n", start);
      if (end < 0) end = text.length;
      if (end > start && text.charCodeAt(start) !== 35 /* # comment */) starts.push(start);
      start = end + 1;
    }
    const order = new Int32Array(starts.length);
    for (let i = 0; i < order.length; i++) order[i] = i;
    if (!this.#sorted(starts)) order.sort((x, y) => this.#compare(starts[x] as number, starts[y] as number));
    const sortedStarts = new Int32Array(order.length);
    for (let i = 0; i < order.length; i++) sortedStarts[i] = starts[order[i] as number] as number;
    this.#starts = sortedStarts;
    this.#ranks = order;
  }

  /** True when the lines are in order already (the related table is written sorted). */
  #sorted(starts: number[]): boolean {
    for (let i = 1; i < starts.length; i++) {
      if (this.#compare(starts[i - 1] as number, starts[i] as number) > 0) return false;
    }
    return true;
  }

  /** The words after `word` on its line, or undefined when no line starts with it. */
  rest(word: string): string[] | undefined {
    const found = this.#find(word);
    if (found < 0) return undefined;
    const start = this.#starts[found] as number;
    let end = this.#text.indexOf("\n", start);
    if (end < 0) end = this.#text.length;
    return this.#text.slice(start, end).split(" ").slice(1);
  }

  /** The line number (from 1, comments skipped) of the line starting with `word`, or undefined. */
  rank(word: string): number | undefined {
    const found = this.#find(word);
    return found < 0 ? undefined : (this.#ranks[found] as number) + 1;
  }

  #find(word: string): number {
    let low = 0;
    let high = this.#starts.length - 1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const c = this.#compareWord(this.#starts[mid] as number, word);
      if (c === 0) return mid;
      if (c < 0) low = mid + 1;
      else high = mid - 1;
    }
    return -1;
  }

  /** The first words at two line starts, compared by char code (a space or line end ends a word). */
  #compare(a: number, b: number): number {
    const text = this.#text;
    for (let i = 0; ; i++) {
      const x = wordCode(text, a + i);
      const y = wordCode(text, b + i);
      if (x !== y || x < 0) return x - y;
    }
  }

  /** The first word at a line start against `word`. */
  #compareWord(at: number, word: string): number {
    const text = this.#text;
    for (let i = 0; ; i++) {
      const x = wordCode(text, at + i);
      const y = i < word.length ? word.charCodeAt(i) : -1;
      if (x !== y || x < 0) return x - y;
    }
  }
}

/** The char code at `i` while inside a word; -1 at a space, a line end or the end of the text. */
function wordCode(text: string, i: number): number {
  if (i >= text.length) return -1;
  const c = text.charCodeAt(i);
  return c === 32 || c === 10 ? -1 : c;
}

let related: Table | undefined;
let common: Table | undefined;

/** Related stems of a stem with the weight search gives them (none for a stem the table does not hold). */
export function relatedWords(term: string): ReadonlyArray<readonly [string, number]> {
  related ??= new Table(readFileSync(RELATED_FILE, "utf8"));
  return (related.rest(term) ?? []).map((other) => [other, RELATED_WEIGHT] as const);
}

/** How much a typed word (lowercase, unstemmed) counts: less the more common it is in English; 1 if rare. */
export function wordWeight(word: string): number {
  common ??= new Table(readFileSync(COMMON_FILE, "utf8"));
  const rank = common.rank(word);
  if (rank === undefined) return 1;
  return Math.max(MIN_WORD_WEIGHT, Math.log(rank + 1) / Math.log(COMMON_RANKS));
}
