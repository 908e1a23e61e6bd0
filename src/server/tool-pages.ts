import { GatewayError } from "../errors.ts";

/**
 * UTF-8 bytes of JSON one `gateway_list_tools` page may take: at most about 2,000 tokens, as tool listings
 * cost 2.8–3.6 bytes an o200k token (schemas are the densest; the tests count the real pages), and the answer
 * around the items (server, cursor, note) takes ~300 more. Bytes, not characters, so text outside ASCII (a
 * token per character or two) is not undercounted; bytes, not tokens, so listing never loads a tokenizer. A
 * page always holds at least one item, however long.
 */
export const PAGE_BYTES = 5_000;

/** The size {@link toolPage} counts for one item: its JSON in UTF-8 bytes. */
export function jsonBytes(item: unknown): number {
  return Buffer.byteLength(JSON.stringify(item));
}

/** Where the next page starts: the key of the last item sent (so a change of the list between pages does
 * not skip or repeat items while that item remains), its offset as the fallback, and what was listed. */
interface Cursor {
  /** The listing the cursor belongs to: a server's name, or "" for all servers. */
  scope: string;
  /** The key of the last item of the page before. */
  after: string;
  /** How many items the pages before held. */
  offset: number;
}

function encode(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.scope, cursor.after, cursor.offset])).toString("base64url");
}

function decode(text: string, scope: string): Cursor {
  const invalid = (why: string) =>
    new GatewayError(
      "INVALID_ARGUMENTS",
      `Invalid cursor: ${why}; pass back the nextCursor of a previous page`,
    );
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
  } catch {
    throw invalid("not one this gateway gave");
  }
  if (
    !Array.isArray(value) ||
    value.length !== 3 ||
    typeof value[0] !== "string" ||
    typeof value[1] !== "string" ||
    !Number.isInteger(value[2]) ||
    value[2] < 0
  )
    throw invalid("not one this gateway gave");
  if (value[0] !== scope)
    throw invalid(value[0] === "" ? "it lists all servers, not one" : `it lists server "${value[0]}"`);
  return { scope: value[0], after: value[1], offset: value[2] };
}

/**
 * One page of `items` whose JSON (as `size` counts it, {@link jsonBytes} by default) stays within {@link PAGE_BYTES}, starting after the
 * cursor, and the cursor of the next page when there is one.
 * @param scope what is listed ("" for all servers): a cursor of another listing is refused
 * @param key a stable, unique key per item (`server/tool`)
 * @throws GatewayError INVALID_ARGUMENTS for a cursor this listing did not give
 */
export function toolPage<T>(
  items: readonly T[],
  cursor: string | undefined,
  scope: string,
  key: (item: T) => string,
  size: (item: T) => number = jsonBytes,
): { page: T[]; nextCursor?: string } {
  let start = 0;
  if (cursor !== undefined) {
    const at = decode(cursor, scope);
    // Unchanged list: the item before the offset is the one sent last (also right when keys repeat).
    const previous = items[at.offset - 1];
    if (previous !== undefined && key(previous) === at.after) start = at.offset;
    else {
      const after = items.findIndex((item) => key(item) === at.after);
      start = after >= 0 ? after + 1 : Math.min(at.offset, items.length);
    }
  }
  const page: T[] = [];
  let chars = 0;
  for (let i = start; i < items.length; i++) {
    const item = items[i] as T;
    const cost = size(item) + 1;
    if (page.length > 0 && chars + cost > PAGE_BYTES) break;
    page.push(item);
    chars += cost;
  }
  const end = start + page.length;
  const last = page.at(-1);
  return end < items.length && last !== undefined
    ? { page, nextCursor: encode({ scope, after: key(last), offset: end }) }
    : { page };
}
