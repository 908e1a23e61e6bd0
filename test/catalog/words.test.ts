import { describe, expect, test } from "bun:test";
import { cjkBigrams, isStopWord, splitWords, tokenize } from "../../src/catalog/words.ts";

describe("splitWords", () => {
  test("splits camelCase, snake_case, kebab-case and acronym/digit boundaries", () => {
    expect(splitWords("getHTTPStatus2")).toEqual(["get", "http", "status", "2"]);
    expect(splitWords("read_multiple_files")).toEqual(["read", "multiple", "files"]);
    expect(splitWords("lol-champion-leader-board")).toEqual(["lol", "champion", "leader", "board"]);
    expect(splitWords("mcp_howtocook_getAllRecipes")).toEqual(["mcp", "howtocook", "get", "all", "recipes"]);
  });

  test("splits server/tool paths and dotted names like any other separator", () => {
    expect(splitWords("github/repos.get")).toEqual(["github", "repos", "get"]);
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
    expect(splitWords("")).toEqual([]);
  });
});

describe("cjkBigrams", () => {
  test("keeps a single character as is", () => {
    expect(cjkBigrams("票")).toEqual(["票"]);
  });

  test("counts characters outside the BMP as one", () => {
    expect(cjkBigrams("𠀋𠀌𠀍")).toEqual(["𠀋𠀌", "𠀌𠀍"]);
  });
});

describe("isStopWord", () => {
  test("treats filler of requests as stop words but not tool verbs", () => {
    expect(isStopWord("help")).toBe(true);
    expect(isStopWord("search")).toBe(false);
  });
});

describe("tokenize", () => {
  test("drops stop words and stems the rest", () => {
    expect(tokenize("Please get the current stock prices for me")).toEqual(["current", "stock", "price"]);
  });

  test("gives identifiers and prose the same terms", () => {
    expect(tokenize("listOpenIssues")).toEqual(tokenize("list open issues"));
  });
});
