import type { CatalogServer } from "../../../test/fixtures/catalog-server.ts";

/** A ranked (server, tool) list. */
export interface Ranked {
  server: string;
  tool: string;
}

function words(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/**
 * The naive keyword baseline: score = how many distinct query words occur as words of the tool's name and
 * description (lowercased, split on non-alphanumerics; no stemming, stop words or weights); ties keep
 * catalog order. This is the floor the real search has to beat.
 */
export function naiveSearch(servers: readonly CatalogServer[]): (query: string, limit: number) => Ranked[] {
  const docs = servers.flatMap((s) =>
    s.tools.map((t) => ({
      server: s.key,
      tool: t.name,
      words: new Set(words(`${t.name} ${t.description ?? ""}`)),
    })),
  );
  return (query, limit) => {
    const q = [...new Set(words(query))];
    return docs
      .map((d, i) => ({ d, i, score: q.filter((w) => d.words.has(w)).length }))
      .filter((x) => x.score > 0)
      .sort((a, b) => b.score - a.score || a.i - b.i)
      .slice(0, limit)
      .map((x) => ({ server: x.d.server, tool: x.d.tool }));
  };
}
