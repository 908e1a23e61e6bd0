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

let related: Map<string, readonly string[]> | undefined;
let ranks: Map<string, number> | undefined;

function lines(path: string): string[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line !== "" && !line.startsWith("#"));
}

/** Related stems of a stem with the weight search gives them (none for a stem the table does not hold). */
export function relatedWords(term: string): ReadonlyArray<readonly [string, number]> {
  if (!related) {
    related = new Map();
    for (const line of lines(RELATED_FILE)) {
      const [head, ...others] = line.split(" ");
      related.set(head as string, others);
    }
  }
  return (related.get(term) ?? []).map((other) => [other, RELATED_WEIGHT] as const);
}

/** How much a typed word (lowercase, unstemmed) counts: less the more common it is in English; 1 if rare. */
export function wordWeight(word: string): number {
  if (!ranks) {
    ranks = new Map();
    for (const [i, w] of lines(COMMON_FILE).entries()) ranks.set(w, i + 1);
  }
  const rank = ranks.get(word);
  if (rank === undefined) return 1;
  return Math.max(MIN_WORD_WEIGHT, Math.log(rank + 1) / Math.log(COMMON_RANKS));
}
