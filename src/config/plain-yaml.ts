/**
 * The fast way to read a plain config: Bun's native YAML parser, about 1 ms where the `yaml` library takes
 * 10–90 ms (a compiled binary reading the example config and a 100-backend one). It is used only where both
 * parsers must agree, and the full parser (positions for every message, alias limits) does the rest:
 * - no anchor, alias, tag, merge key, directive, document marker, block scalar, flow mapping, tab or
 *   complex key: for those the two differ or need the full parser's limits. The test looks at the text
 *   alone, strings included, so it errs towards the full parser;
 * - as many keys in the value as key lines in the text: a key written twice (which Bun keeps silently,
 *   the last one winning) is one key fewer, and the full parser reports it with its line;
 * - anything Bun cannot parse goes to the full parser too, which says where the problem is.
 */

const FULL_PARSER_ONLY = new RegExp(
  [
    String.raw`(?:^|[\s[{,])[&*!]`, // an anchor, alias or tag where a value starts
    "<<", // a merge key
    String.raw`(?:^|[\s:-])[|>][-+0-9]*[ \t]*(?:#.*)?$`, // a block scalar's header
    String.raw`^[ \t]*(?:-[ \t]+)*\?(?:[ \t]|$)`, // a complex key
    String.raw`(?<!\$)\{(?!\s*\})`, // a flow mapping (but not ${VAR} or {})
    String.raw`^%|^(?:---|\.\.\.)(?:\s|$)`, // a directive or document marker
    String.raw`\t`,
  ].join("|"),
  "m",
);

/** A line holding a block-mapping key (`key:`, `- key:`, `"key":`), comments and values aside. */
const KEY_LINE =
  /^ *(?:- +)*(?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\n]|'')*'|[^\s#'"\-:,[\]{}][^#:\n]*?|-[^\s#:\n][^#:\n]*?) *:(?: |$)/gm;

function keyCount(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + keyCount(v), 0);
  if (typeof value !== "object" || value === null) return 0;
  let n = 0;
  for (const v of Object.values(value)) n += 1 + keyCount(v);
  return n;
}

/** The text's value when it is plain YAML both parsers read alike, or undefined: use the full parser. */
export function plainYamlValue(text: string): { value: unknown } | undefined {
  if (FULL_PARSER_ONLY.test(text)) return undefined;
  let value: unknown;
  try {
    value = Bun.YAML.parse(text);
  } catch {
    return undefined;
  }
  const keyLines = text.match(KEY_LINE)?.length ?? 0;
  return keyCount(value) === keyLines ? { value } : undefined;
}
