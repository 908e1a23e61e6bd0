import { GatewayError } from "../errors.ts";

/** Items per page of the gateway's own lists. */
export const PAGE_SIZE = 100;

/** One page of a list plus the opaque cursor for the next, if any. */
export function paginate<T>(
  items: readonly T[],
  cursor: string | undefined,
): { page: T[]; nextCursor?: string } {
  let offset = 0;
  if (cursor !== undefined) {
    try {
      const decoded = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as { o?: unknown };
      if (typeof decoded.o !== "number" || !Number.isInteger(decoded.o) || decoded.o < 0)
        throw new Error("bad");
      offset = decoded.o;
    } catch {
      throw new GatewayError(
        "INVALID_ARGUMENTS",
        "Invalid cursor: pass back a nextCursor from a previous page",
      );
    }
  }
  const page = items.slice(offset, offset + PAGE_SIZE);
  const next = offset + PAGE_SIZE;
  return next < items.length
    ? { page, nextCursor: Buffer.from(JSON.stringify({ o: next })).toString("base64url") }
    : { page };
}
