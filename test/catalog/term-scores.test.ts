import { describe, expect, test } from "bun:test";
import MiniSearch from "minisearch";
import { TermScores } from "../../src/catalog/term-scores.ts";

const DOCS = [
  "read a file from disk",
  "write a file to disk",
  "list files in a folder",
  "search the web for pages",
  "read web pages as markdown",
  "file file file report",
  "weather forecast for a city",
  "weather warnings",
];
const boost = { name: 2, text: 1 };

function index(): MiniSearch {
  const mini = new MiniSearch({
    fields: ["name", "text"],
    searchOptions: { boost, bm25: { k: 1.2, b: 0.7, d: 0.5 }, combineWith: "OR" },
  });
  mini.addAll(DOCS.map((text, id) => ({ id, name: text.split(" ")[0], text })));
  return mini;
}

/** minisearch's own answer for the same weighted OR query. */
function reference(mini: MiniSearch, terms: Map<string, number>, prefixes: Set<string>) {
  return mini
    .search([...terms.keys()].join(" "), {
      boostTerm: (term) => terms.get(term) ?? 1,
      prefix: (term) => prefixes.has(term),
      weights: { fuzzy: 0, prefix: 0.375 },
    })
    .map((r) => ({ id: r.id as number, score: r.score }))
    .sort((a, b) => b.score - a.score || a.id - b.id);
}

describe("TermScores", () => {
  test("scores an OR query as minisearch does: weights, prefixes and the matched-terms factor", () => {
    const mini = index();
    const scores = new TermScores(mini, DOCS.length, { prefixWeight: 0.375 });
    const cases: Array<[Map<string, number>, Set<string>]> = [
      [new Map([["file", 1]]), new Set()],
      [
        new Map([
          ["read", 1],
          ["file", 0.4],
          ["web", 0.7],
        ]),
        new Set(),
      ],
      [new Map([["weath", 1]]), new Set(["weath"])],
      [
        new Map([
          ["page", 1],
          ["fold", 1],
        ]),
        new Set(["fold"]),
      ],
    ];
    for (const [terms, prefixes] of cases) {
      const expected = reference(mini, terms, prefixes);
      const { ranked } = scores.match(terms, prefixes);
      expect(ranked.map((r) => r.id)).toEqual(expected.map((r) => r.id));
      for (const [i, r] of ranked.entries()) expect(r.score).toBeCloseTo(expected[i]?.score as number, 9);
      // Asked twice (from the cache), the answer is the same: nothing is left over from the last query.
      expect(scores.match(terms, prefixes).ranked).toEqual(ranked);
    }
  });

  test("keeps the best `limit` in order, ties by id, and reports the scores of kept tools", () => {
    const mini = new MiniSearch({ fields: ["text"] });
    mini.addAll(Array.from({ length: 30 }, (_, id) => ({ id, text: id % 3 === 0 ? "alpha beta" : "alpha" })));
    const scores = new TermScores(mini, 30, { prefixWeight: 0.375 });
    const terms = new Map([
      ["alpha", 1],
      ["beta", 1],
    ]);
    const all = scores.match(terms, new Set()).ranked;
    expect(all.length).toBe(30);
    const { ranked, kept } = scores.match(terms, new Set(), { limit: 4, keep: [29, 28, 99] });
    expect(ranked).toEqual(all.slice(0, 4));
    // Equal scores come in id order: 0, 3, 6, 9 carry both words.
    expect(ranked.map((r) => r.id)).toEqual([0, 3, 6, 9]);
    expect(kept.get(29)).toBe(all.find((r) => r.id === 29)?.score as number);
    expect(kept.has(99)).toBe(false);
  });

  test("a tiny cache bound starts the cache over and still answers right", () => {
    const mini = index();
    const bounded = new TermScores(mini, DOCS.length, { prefixWeight: 0.375, maxCached: 3 });
    const free = new TermScores(mini, DOCS.length, { prefixWeight: 0.375 });
    for (const word of ["file", "web", "read", "file", "weather", "web"]) {
      const terms = new Map([[word, 1]]);
      expect(bounded.match(terms, new Set()).ranked).toEqual(free.match(terms, new Set()).ranked);
    }
  });

  test("coordination by weights: the matched-terms factor adds the matched terms' weights", () => {
    const mini = index();
    const byTerms = new TermScores(mini, DOCS.length, { prefixWeight: 0.375 });
    const byWeights = new TermScores(mini, DOCS.length, { prefixWeight: 0.375, coordination: "weights" });
    const one = (word: string, id: number): number =>
      byTerms.match(new Map([[word, 1]]), new Set()).ranked.find((r) => r.id === id)?.score as number;
    const terms = new Map([
      ["read", 1],
      ["web", 0.4],
    ]);
    // "read web pages as markdown" (4) matches both: minisearch multiplies by 2, by weights 1.4.
    const sum = one("read", 4) + 0.4 * one("web", 4);
    const get = (scores: TermScores): number =>
      scores.match(terms, new Set()).ranked.find((r) => r.id === 4)?.score as number;
    expect(get(byTerms)).toBeCloseTo(sum * 2, 9);
    expect(get(byWeights)).toBeCloseTo(sum * 1.4, 9);
    // A tool matching only a weak term keeps its weight as the factor: 0.4 × 0.4 × its score.
    const webOnly = byWeights.match(terms, new Set()).ranked.find((r) => r.id === 3)?.score as number;
    expect(webOnly).toBeCloseTo(one("web", 3) * 0.4 * 0.4, 9);
  });

  test("no terms or unknown terms match nothing", () => {
    const scores = new TermScores(index(), DOCS.length, { prefixWeight: 0.375 });
    expect(scores.match(new Map(), new Set()).ranked).toEqual([]);
    expect(scores.match(new Map([["zebra", 1]]), new Set()).ranked).toEqual([]);
  });
});
