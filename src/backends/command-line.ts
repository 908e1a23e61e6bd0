import { GatewayError } from "../errors.ts";

/**
 * Splits a command line the way a POSIX shell splits words: whitespace separates, single quotes keep
 * everything literal, double quotes keep spaces and allow `\"` and `\\`, a backslash outside quotes
 * escapes the next character. No variables, globs or pipes: the words go straight to exec.
 * @throws GatewayError CONFIG_INVALID on an unterminated quote or a trailing backslash
 */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (quote === "'") {
      if (ch === "'") quote = undefined;
      else word += ch;
    } else if (quote === '"') {
      if (ch === '"') quote = undefined;
      else if (ch === "\\" && (line[i + 1] === '"' || line[i + 1] === "\\" || line[i + 1] === "$"))
        word += line[++i];
      else word += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (ch === "\\") {
      if (i + 1 >= line.length)
        throw new GatewayError("CONFIG_INVALID", `command ends with a lone backslash: ${line}`);
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (quote) throw new GatewayError("CONFIG_INVALID", `unterminated ${quote} quote in command: ${line}`);
  if (inWord) words.push(word);
  return words;
}
