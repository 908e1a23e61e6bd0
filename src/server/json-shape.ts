/**
 * Limits on the shape of a JSON message: its depth checked on the text before it is parsed, its width on the
 * parsed value before anything else walks it. JSON.parse copes with far
 * deeper and wider values than tools ever take, but what comes after does not: validators and relays that walk a
 * value recursively block the event loop for seconds (100,000 levels: ~2 s) or overflow the stack, and an
 * object of 100,000 keys parsed, validated and copied along the relay peaks near 600 MiB of RSS that the
 * allocator keeps long after the request. The body size limit bounds neither: 100,000 keys fit in 1 MiB.
 */
export interface JsonShapeLimits {
  /** Deepest nesting of arrays and objects. */
  maxDepth: number;
  /** Most keys one object may have (arrays are bounded by the body size alone: they stay compact). */
  maxKeys: number;
}

/** The limits every request body and WebSocket frame is held to. */
export const JSON_SHAPE_LIMITS: JsonShapeLimits = { maxDepth: 256, maxKeys: 10_000 };

/**
 * What is wrong with the width of a parsed value — "has an object with more than 10000 keys" — or undefined.
 * Depth is not checked here: {@link textShapeProblem} refused a too-deep text before it was parsed. Walked
 * without recursion; stops at the first problem.
 */
export function jsonShapeProblem(
  value: unknown,
  limits: JsonShapeLimits = JSON_SHAPE_LIMITS,
): string | undefined {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item !== "object" || item === null) continue;
    let children: unknown[];
    if (Array.isArray(item)) children = item;
    else {
      children = Object.values(item);
      if (children.length > limits.maxKeys) return `has an object with more than ${limits.maxKeys} keys`;
    }
    for (const child of children) if (typeof child === "object" && child !== null) stack.push(child);
  }
  return undefined;
}

const OPEN_BRACKET = 0x5b;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACKET = 0x5d;
const CLOSE_BRACE = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * What is wrong with the depth of a JSON text — "nests deeper than 256 levels" — or undefined, found by one
 * pass over the text (brackets inside strings do not count) before anything is parsed: JSON.parse of a 4 MiB
 * body of `[[[[…` builds millions of nested arrays first (a peak of ~700 MiB) only for a check on the parsed
 * value to refuse it. Works on bytes (an HTTP body) and on a string (a WebSocket text frame) alike: the
 * characters it looks at are ASCII, which UTF-8 never uses inside a multi-byte character.
 */
export function textShapeProblem(
  text: Uint8Array | string,
  limits: JsonShapeLimits = JSON_SHAPE_LIMITS,
): string | undefined {
  const at: (i: number) => number =
    typeof text === "string" ? (i) => text.charCodeAt(i) : (i) => text[i] as number;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = at(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACKET || c === OPEN_BRACE) {
      if (++depth > limits.maxDepth) return `nests deeper than ${limits.maxDepth} levels`;
    } else if (c === CLOSE_BRACKET || c === CLOSE_BRACE) depth--;
  }
  return undefined;
}
