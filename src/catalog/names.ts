import type { CatalogEntry } from "./catalog.ts";

/** How closely a query names a tool: `exact` (any case or separators) or a `prefix` of its name. */
export type NameMatch = "exact" | "prefix";

/** A name with case, accents and every separator (including spaces) dropped: `Get-Sum`, `get sum` → `getsum`. */
export function squash(name: string): string {
  const folded = /[^\0-\x7f]/.test(name) ? name.normalize("NFKD").replace(/\p{M}/gu, "") : name;
  return folded.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, "");
}

// A prefix counts only for a query that looks like an identifier: one token holding a separator or a camelCase
// hump. A plain word is left to word search, which already completes words still being typed.
const IDENTIFIER = /^\S*(?:[_\-./:]|\p{Ll}\p{Lu})\S*$/u;
/** Shorter squashed prefixes than this match too many names to mean one. */
const MIN_PREFIX = 4;

/**
 * Tool names of a catalog, squashed, for finding the tools a query names: exactly (`get_sum`, `getSum`,
 * `GET-SUM`, `get sum`, `everything/get-sum`, `everything__get_sum`) or, for identifier-like queries, by a
 * prefix of the name (`generate_sankey` → `generate_sankey_chart`).
 */
export class NameIndex {
  /** Squashed `tool` and `server` + `tool` → entry ids, for exact lookups. */
  readonly #exact = new Map<string, number[]>();
  /** The same keys sorted, for prefix lookups by binary search. */
  readonly #sorted: Array<[key: string, id: number]> = [];

  constructor(entries: readonly CatalogEntry[]) {
    entries.forEach((entry, id) => {
      const tool = squash(entry.tool.name);
      if (!tool) return;
      for (const key of new Set([tool, squash(entry.server) + tool])) {
        const ids = this.#exact.get(key);
        if (ids) ids.push(id);
        else this.#exact.set(key, [id]);
        this.#sorted.push([key, id]);
      }
    });
    this.#sorted.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** The entry ids a query names, and how; empty for a query that names no tool. */
  match(query: string): Map<number, NameMatch> {
    const found = new Map<number, NameMatch>();
    const key = squash(query);
    if (!key) return found;
    for (const id of this.#exact.get(key) ?? []) found.set(id, "exact");
    const trimmed = query.trim();
    if (key.length < MIN_PREFIX || !IDENTIFIER.test(trimmed)) return found;
    for (let i = this.#lowerBound(key); i < this.#sorted.length; i++) {
      const [candidate, id] = this.#sorted[i] as [string, number];
      if (!candidate.startsWith(key)) break;
      if (!found.has(id)) found.set(id, "prefix");
    }
    return found;
  }

  #lowerBound(key: string): number {
    let lo = 0;
    let hi = this.#sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.#sorted[mid] as [string, number])[0] < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
