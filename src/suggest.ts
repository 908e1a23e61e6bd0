type Levenshtein = typeof import("fast-levenshtein");
let levenshtein: Levenshtein | undefined;
/** fast-levenshtein, loaded at the first suggestion: only a mistake needs one, and start-up does not. */
function distance(a: string, b: string): number {
  levenshtein ??= require("fast-levenshtein") as Levenshtein;
  return levenshtein.get(a, b);
}

/**
 * Closest candidates to a misspelled name, best first: case-insensitive edit distance within about a
 * third of the word's length, plus candidates that contain the input (or are contained in it).
 */
export function suggest(
  input: string,
  candidates: Iterable<string>,
  options: { max?: number } = {},
): string[] {
  const max = options.max ?? 3;
  const needle = input.toLowerCase();
  const limit = Math.max(2, Math.floor(needle.length / 3));
  const scored: { name: string; score: number }[] = [];
  for (const name of new Set(candidates)) {
    const hay = name.toLowerCase();
    const edits = distance(needle, hay);
    const contains = needle.length >= 3 && (hay.includes(needle) || needle.includes(hay));
    if (edits <= limit || contains) scored.push({ name, score: contains ? Math.min(edits, limit) : edits });
  }
  scored.sort((a, b) => a.score - b.score || a.name.localeCompare(b.name));
  return scored.slice(0, max).map((s) => s.name);
}

/** `did you mean "x" or "y"?` or an empty string when there is nothing close. */
export function didYouMean(input: string, candidates: Iterable<string>): string {
  const close = suggest(input, candidates);
  if (close.length === 0) return "";
  return ` (did you mean ${close.map((c) => `"${c}"`).join(" or ")}?)`;
}
