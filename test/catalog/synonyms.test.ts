import { describe, expect, test } from "bun:test";
import { stem } from "../../src/catalog/stem.ts";
import { synonyms } from "../../src/catalog/synonyms.ts";

describe("synonyms", () => {
  test("links English, other languages and file extensions of one concept", () => {
    expect(synonyms(stem("weather"))).toContain("天气");
    expect(synonyms("天气")).toContain(stem("weather"));
    expect(synonyms(stem("pptx"))).toContain(stem("presentation"));
  });

  test("is symmetric: every synonym lists the term back", () => {
    const term = stem("spreadsheet");
    for (const other of synonyms(term)) expect(synonyms(other)).toContain(term);
  });

  test("holds stems, so an inflected word must be stemmed first", () => {
    expect(synonyms(stem("slides")).length).toBeGreaterThan(0);
    expect(synonyms("slides")).toEqual([]);
  });

  test("never lists the term itself and knows nothing of unrelated words", () => {
    expect(synonyms(stem("weather"))).not.toContain(stem("weather"));
    expect(synonyms("zebra")).toEqual([]);
    expect(synonyms("constructor")).toEqual([]);
  });
});

describe("no groups from the dev tasks' services", () => {
  test("lodging, trains, tickets, shopping, recipes and trending lists are not linked", () => {
    for (const word of ["homestay", "airbnb", "railway", "火车票", "shopping", "recipe", "热搜"]) {
      expect(synonyms(stem(word))).toEqual([]);
    }
  });
});
