import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { RELATED_WEIGHT, relatedWords, wordWeight } from "../../src/catalog/related-words.ts";
import { ToolSearch } from "../../src/catalog/search.ts";
import { stem } from "../../src/catalog/stem.ts";

const related = (word: string): string[] => relatedWords(stem(word)).map(([other]) => other);

describe("relatedWords (WordNet + GloVe, generated)", () => {
  test("links general-English relatives as stems, at most 3, with the search weight", () => {
    expect(related("encyclopedia")).toContain(stem("wikipedia"));
    expect(related("expert")).toContain(stem("specialist"));
    for (const word of ["encyclopedia", "weather", "delete", "hero"]) {
      expect(related(word).length).toBeGreaterThan(0);
      expect(related(word).length).toBeLessThanOrEqual(3);
      expect(related(word)).not.toContain(stem(word));
    }
    expect(relatedWords(stem("weather")).every(([, w]) => w === RELATED_WEIGHT)).toBe(true);
  });

  test("never links WordNet antonyms, and knows nothing of non-words", () => {
    expect(related("buy")).not.toContain(stem("sell"));
    expect(related("open")).not.toContain(stem("close"));
    expect(relatedWords("zzqx")).toEqual([]);
  });
});

describe("the tables as searched", () => {
  const lines = (file: string): string[] =>
    readFileSync(join(import.meta.dir, "../../src/catalog/data", file), "utf8")
      .split("\n")
      .filter((line) => line !== "" && !line.startsWith("#"));

  test("every line of the related table is found by its stem, with exactly its words", () => {
    for (const line of lines("related-words.txt")) {
      const [head, ...others] = line.split(" ");
      expect(relatedWords(head as string).map(([w]) => w)).toEqual(others);
    }
  });

  test("every common word weighs by its line number (its frequency rank)", () => {
    for (const [i, word] of lines("common-words.txt").entries()) {
      const expected = Math.max(0.2, Math.log(i + 2) / Math.log(10_000));
      expect(wordWeight(word)).toBeCloseTo(expected, 12);
    }
  });
});

describe("wordWeight", () => {
  test("common English words count less than rare ones; unknown words fully", () => {
    expect(wordWeight("new")).toBeLessThan(wordWeight("weather"));
    expect(wordWeight("weather")).toBeLessThan(wordWeight("encyclopedia") + 1e-9);
    expect(wordWeight("the")).toBeGreaterThanOrEqual(0.2);
    expect(wordWeight("zzqx")).toBe(1);
    expect(wordWeight("encyclopedia")).toBeLessThanOrEqual(1);
  });
});

const tool = (name: string, description: string): Tool => ({
  name,
  description,
  inputSchema: { type: "object" },
});
const TOOLS = [
  tool("get_summary", "Get a summary of a Wikipedia article."),
  tool("get_weather", "Current weather and forecast for a city."),
  tool("delete_entities", "Delete entities from the knowledge graph."),
  tool("edit_file", "Edit lines of a text file."),
];
const search = new ToolSearch({
  version: 0,
  entries: () => TOOLS.map((t) => ({ server: "s", serverDescription: "", tool: t })),
});
const names = (q: string): string[] => search.search(q, 4).map((m) => m.entry.tool.name);

describe("ToolSearch with general-English relatives", () => {
  test("a word the catalog lacks finds tools through its relatives", () => {
    expect(names("short encyclopedia entry")[0]).toBe("get_summary");
  });

  test("a word the catalog contains is not stretched to its relatives (delete is not edit)", () => {
    // delete's relatives include edit; delete is in the catalog, so only delete_entities matches.
    expect(related("delete")).toContain(stem("edit"));
    expect(names("delete")).toEqual(["delete_entities"]);
  });
});
