import { describe, expect, test } from "bun:test";
import type { CatalogEntry } from "../../src/catalog/catalog.ts";
import { NameIndex, squash } from "../../src/catalog/names.ts";

function entry(server: string, name: string): CatalogEntry {
  return { server, serverDescription: "", tool: { name, inputSchema: { type: "object" } } };
}

const entries = [
  entry("everything", "get-sum"),
  entry("git", "git_diff"),
  entry("git", "git_diff_staged"),
  entry("filesystem", "read_file"),
  entry("desktop", "read_file"),
  entry("chart", "generate_sankey_chart"),
  entry("hn", "getStoryWithComments"),
];
const index = new NameIndex(entries);
const names = (query: string): string[] =>
  [...index.match(query)].map(([id, how]) => {
    const e = entries[id] as CatalogEntry;
    return `${e.server}/${e.tool.name}:${how}`;
  });

describe("squash", () => {
  test("drops case, separators and spaces", () => {
    for (const spelling of ["get-sum", "get_sum", "getSum", "GET_SUM", "get sum", " Get.Sum "]) {
      expect(squash(spelling)).toBe("getsum");
    }
  });

  test("folds accents and keeps digits and non-Latin letters", () => {
    expect(squash("Météo_2")).toBe("meteo2");
    expect(squash("get-36kr-trending")).toBe("get36krtrending");
    expect(squash("天气 预报")).toBe("天气预报");
    expect(squash("--")).toBe("");
  });
});

describe("NameIndex", () => {
  test("finds a tool by its name in any case or separator style", () => {
    for (const query of ["get-sum", "getSum", "GET_SUM", "get sum"]) {
      expect(names(query)).toEqual(["everything/get-sum:exact"]);
    }
    expect(names("get_story_with_comments")).toEqual(["hn/getStoryWithComments:exact"]);
  });

  test("finds every server's tool of a shared name, and one server's by server/tool or server__tool", () => {
    expect(names("read_file")).toEqual(["filesystem/read_file:exact", "desktop/read_file:exact"]);
    expect(names("filesystem/read_file")).toEqual(["filesystem/read_file:exact"]);
    expect(names("desktop__read_file")).toEqual(["desktop/read_file:exact"]);
  });

  test("finds longer names by a prefix of an identifier-like query, after the exact match", () => {
    expect(names("git_diff")).toEqual(["git/git_diff:exact", "git/git_diff_staged:prefix"]);
    expect(names("generate_sankey")).toEqual(["chart/generate_sankey_chart:prefix"]);
    expect(names("generateSank")).toEqual(["chart/generate_sankey_chart:prefix"]);
    expect(names("git/git_diff_st")).toEqual(["git/git_diff_staged:prefix"]);
  });

  test("takes no prefix from plain words, sentences or short fragments", () => {
    expect(names("generate")).toEqual([]);
    expect(names("generate sankey")).toEqual([]);
    expect(names("git_d")).toEqual(["git/git_diff:prefix", "git/git_diff_staged:prefix"]);
    expect(names("gi_d")).toEqual([]);
  });

  test("names nothing for unrelated or empty queries", () => {
    expect(names("add two numbers")).toEqual([]);
    expect(names("")).toEqual([]);
    expect(names("?!")).toEqual([]);
  });
});
