import { describe, expect, test } from "bun:test";
import { cjkBigrams, isStopWord, splitWords, stem, synonyms, tokenize } from "../../src/catalog/tokenize.ts";

describe("splitWords", () => {
  test("splits camelCase, snake_case, kebab-case and acronym/digit boundaries", () => {
    expect(splitWords("getHTTPStatus2")).toEqual(["get", "http", "status", "2"]);
    expect(splitWords("read_multiple_files")).toEqual(["read", "multiple", "files"]);
    expect(splitWords("lol-champion-leader-board")).toEqual(["lol", "champion", "leader", "board"]);
    expect(splitWords("mcp_howtocook_getAllRecipes")).toEqual(["mcp", "howtocook", "get", "all", "recipes"]);
  });

  test("turns CJK runs into overlapping bigrams and keeps Latin words inside them", () => {
    expect(splitWords("天气预报")).toEqual(["天气", "气预", "预报"]);
    expect(splitWords("从bing_search返回")).toEqual(["从", "bing", "search", "返回"]);
  });

  test("folds accents so unaccented queries match", () => {
    expect(splitWords("Météo à Lyon")).toEqual(["meteo", "a", "lyon"]);
  });

  test("returns nothing for punctuation only", () => {
    expect(splitWords(" -- /// ?! ")).toEqual([]);
  });
});

describe("cjkBigrams", () => {
  test("keeps a single character as is", () => {
    expect(cjkBigrams("票")).toEqual(["票"]);
  });
});

describe("stem", () => {
  test("merges inflections of the same word", () => {
    expect(stem("files")).toBe(stem("file"));
    expect(stem("filing")).toBe(stem("file"));
    expect(stem("generation")).toBe(stem("generate"));
    expect(stem("screenshots")).toBe(stem("screenshot"));
    expect(stem("analysis")).toBe(stem("analyze"));
  });

  test("keeps words apart that only look inflected", () => {
    expect(stem("news")).not.toBe(stem("new"));
    expect(stem("data")).toBe("data");
  });

  test("leaves non-ASCII and short words alone", () => {
    expect(stem("天气")).toBe("天气");
    expect(stem("is")).toBe("is");
  });
});

describe("tokenize", () => {
  test("drops stop words and stems the rest", () => {
    expect(tokenize("Please get the current stock prices for me")).toEqual(["current", "stock", "price"]);
  });

  test("treats filler of requests as stop words but not tool verbs", () => {
    expect(isStopWord("help")).toBe(true);
    expect(isStopWord("search")).toBe(false);
  });
});

describe("synonyms", () => {
  test("links English, other languages and file extensions of one concept", () => {
    expect(synonyms(stem("weather"))).toContain("天气");
    expect(synonyms("天气")).toContain(stem("weather"));
    expect(synonyms(stem("pptx"))).toContain(stem("presentation"));
  });

  test("never lists the term itself and knows nothing of unrelated words", () => {
    expect(synonyms(stem("weather"))).not.toContain(stem("weather"));
    expect(synonyms("zebra")).toEqual([]);
  });
});
