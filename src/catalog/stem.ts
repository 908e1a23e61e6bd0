import { stemmer } from "stemmer";

// Words the Porter rules would merge with unrelated ones (news → new) or split from their kin (analysis, analyse).
// A Map, not an object literal: "constructor" is a word too.
const STEM_EXCEPTIONS: ReadonlyMap<string, string> = new Map([
  ["news", "news"],
  ["analysis", "analyz"],
  ["analyses", "analyz"],
  ["analyse", "analyz"],
  ["analysed", "analyz"],
  ["analysing", "analyz"],
  ["data", "data"],
  ["species", "species"],
  ["series", "series"],
]);

// The Porter rules are about English letters: digits, CJK bigrams and mixed words stay as they are.
const PLAIN = /^[a-z]+$/;

// A catalog has a few thousand distinct words but a million occurrences at 10,000 tools: remember stems.
const cache = new Map<string, string>();
const CACHE_MAX = 100_000;

/**
 * The Porter (1980) stem of a lowercase word (the `stemmer` package), so `files`, `filing` and `file`
 * (and `generation`, `generate`) meet; a few words Porter gets wrong for tool catalogs are fixed by hand.
 */
export function stem(word: string): string {
  const cached = cache.get(word);
  if (cached !== undefined) return cached;
  if (cache.size >= CACHE_MAX) cache.clear();
  const result = STEM_EXCEPTIONS.get(word) ?? (PLAIN.test(word) ? stemmer(word) : word);
  cache.set(word, result);
  return result;
}
