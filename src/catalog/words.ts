import { stem } from "./stem.ts";

/** Words too common in tool descriptions or requests to tell tools apart. */
const STOP_WORDS = new Set(
  (
    "a about above after again all also am an and any are as at be been before being below between both but by " +
    "can could did do does doing during each few for from further get gets had has have having he her here hers " +
    "him his how i if in into is it its itself just let lets me more most my myself no nor not now of off on once " +
    "only or other our ours out over own please same she should so some such than that the their theirs them " +
    "then there these they this those through to too under until up use used uses using very via was we were " +
    "what when where which while who whom why will with would you your yours help tell want need like " +
    "https http www com"
  ).split(" "),
);

// Han, Hiragana, Katakana and Hangul are written without spaces: they are indexed as overlapping bigrams.
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
const CJK_RUNS = /([\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]+)/u;

const PLAIN = /^[a-z]+$/;

/** Overlapping character bigrams of a CJK run (`天气预报` → 天气, 气预, 预报); a lone character stays. */
export function cjkBigrams(run: string): string[] {
  const chars = [...run];
  if (chars.length < 2) return chars;
  const out: string[] = [];
  for (let i = 0; i < chars.length - 1; i++) out.push(`${chars[i]}${chars[i + 1]}`);
  return out;
}

/**
 * Splits identifiers and prose into lowercase words: on anything that is not a letter or digit, inside
 * identifiers on camelCase and letter/digit boundaries (`getHTTPStatus2` → get, http, status, 2), and CJK
 * text into bigrams. Accents are folded (`météo` → meteo).
 */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  for (const chunk of text.split(/[^\p{L}\p{N}]+/u)) {
    if (!chunk) continue;
    // Most words of descriptions are plain lowercase: skip the boundary regexes for them.
    if (PLAIN.test(chunk)) {
      words.push(chunk);
      continue;
    }
    for (const piece of CJK.test(chunk) ? chunk.split(CJK_RUNS) : [chunk]) {
      if (!piece) continue;
      if (CJK.test(piece)) {
        words.push(...cjkBigrams(piece));
        continue;
      }
      const parts = piece
        .replace(/(\p{Ll})(\p{Lu})/gu, "$1 $2")
        .replace(/(\p{Lu})(\p{Lu}\p{Ll})/gu, "$1 $2")
        .replace(/(\p{L})(\p{N})/gu, "$1 $2")
        .replace(/(\p{N})(\p{L})/gu, "$1 $2")
        .split(" ");
      for (const part of parts) if (part) words.push(fold(part.toLowerCase()));
    }
  }
  return words;
}

function fold(word: string): string {
  return /[\u00c0-\u024f]/.test(word) ? word.normalize("NFD").replace(/\p{M}/gu, "") : word;
}

/** Whether a word carries no meaning for search. */
export function isStopWord(word: string): boolean {
  return STOP_WORDS.has(word);
}

/** Tokens for indexing and querying: split, stop words dropped, stemmed. */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  for (const word of splitWords(text)) if (!STOP_WORDS.has(word)) out.push(stem(word));
  return out;
}
