import type { CatalogEntry } from "../catalog/catalog.ts";

/** Most model APIs accept at most 64 characters of `[A-Za-z0-9_-]` in a tool name. */
export const MAX_TOOL_NAME = 64;
const SEPARATOR = "__";

function shortHash(text: string): string {
  return new Bun.CryptoHasher("sha256").update(text).digest("hex").slice(0, 8);
}

/**
 * The name a backend tool gets in transparent mode: `<server>__<tool>`; characters models refuse become
 * `_`, and names over 64 characters are cut with a stable hash of the original pair appended.
 */
export function exposedName(server: string, tool: string): string {
  const plain = `${server}${SEPARATOR}${tool}`;
  const safe = plain.replace(/[^A-Za-z0-9_-]/g, "_");
  if (safe === plain && plain.length <= MAX_TOOL_NAME) return plain;
  const hash = shortHash(`${server}\u0000${tool}`);
  return `${safe.slice(0, MAX_TOOL_NAME - hash.length - 1)}_${hash}`;
}

/** Maps exposed names back to catalog entries (a lookup, never string splitting). */
export class ToolNameMap {
  readonly #byName = new Map<string, CatalogEntry>();

  constructor(entries: readonly CatalogEntry[]) {
    for (const entry of entries) this.#byName.set(exposedName(entry.server, entry.tool.name), entry);
  }

  resolve(name: string): CatalogEntry | undefined {
    return this.#byName.get(name);
  }

  names(): string[] {
    return [...this.#byName.keys()];
  }
}
