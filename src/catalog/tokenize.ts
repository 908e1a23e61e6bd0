/** Words too common in tool descriptions to tell tools apart. */
const STOP_WORDS = new Set(
  (
    "a an and are as at be by can do for from get has have how i in into is it its me my of on or our " +
    "please set should so that the their them then there these this to use used using via was we what " +
    "when which will with you your"
  ).split(" "),
);

/**
 * Splits identifiers and prose into lowercase words: on anything that is not a letter or digit, and
 * inside identifiers on camelCase and letter/digit boundaries (`getHTTPStatus2` → get, http, status, 2).
 */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  for (const chunk of text.split(/[^\p{L}\p{N}]+/u)) {
    if (!chunk) continue;
    const parts = chunk
      .replace(/(\p{Ll})(\p{Lu})/gu, "$1 $2")
      .replace(/(\p{Lu})(\p{Lu}\p{Ll})/gu, "$1 $2")
      .replace(/(\p{L})(\p{N})/gu, "$1 $2")
      .replace(/(\p{N})(\p{L})/gu, "$1 $2")
      .split(" ");
    for (const part of parts) if (part) words.push(part.toLowerCase());
  }
  return words;
}

/** Reduces an English word to a rough stem so `files`, `filing` and `file` meet. */
export function stem(word: string): string {
  if (word.length <= 3 || !/^[a-z]+$/.test(word)) return word;
  if (word.endsWith("ies") && word.length > 4) return `${word.slice(0, -3)}y`;
  if (word.endsWith("sses")) return word.slice(0, -2);
  if (word.endsWith("ing") && word.length > 5) return trimDouble(word.slice(0, -3));
  if (word.endsWith("ed") && word.length > 4) return trimDouble(word.slice(0, -2));
  if (word.endsWith("es") && /(x|ch|sh|ss|z)es$/.test(word)) return word.slice(0, -2);
  if (word.endsWith("s") && !word.endsWith("ss") && !word.endsWith("us") && !word.endsWith("is")) {
    return word.slice(0, -1);
  }
  return word;
}

function trimDouble(word: string): string {
  return /([b-df-hj-np-tv-z])\1$/.test(word) && !/(ll|ss|zz)$/.test(word) ? word.slice(0, -1) : word;
}

/** Tokens for indexing and querying: split, stop words dropped, stemmed. */
export function tokenize(text: string): string[] {
  return splitWords(text)
    .filter((w) => !STOP_WORDS.has(w))
    .map(stem);
}
