import { describe, expect, test } from "bun:test";
import { stem } from "../../src/catalog/stem.ts";

describe("stem", () => {
  test("merges inflections of the same word", () => {
    expect(stem("files")).toBe(stem("file"));
    expect(stem("filing")).toBe(stem("file"));
    expect(stem("generation")).toBe(stem("generate"));
    expect(stem("screenshots")).toBe(stem("screenshot"));
    expect(stem("running")).toBe("run");
  });

  test("keeps words apart that Porter would merge, and joins kin it would split", () => {
    expect(stem("news")).not.toBe(stem("new"));
    expect(stem("series")).toBe("series");
    expect(stem("data")).toBe("data");
    expect(stem("analysis")).toBe(stem("analyze"));
    expect(stem("analyses")).toBe(stem("analyzing"));
  });

  test("returns a string for words that are also Object.prototype keys", () => {
    expect(stem("constructor")).toBe("constructor");
    expect(typeof stem("valueof")).toBe("string");
  });

  test("leaves non-ASCII, digits, mixed and short words alone", () => {
    expect(stem("天气")).toBe("天气");
    expect(stem("2024")).toBe("2024");
    expect(stem("mp3s")).toBe("mp3s");
    expect(stem("is")).toBe("is");
  });

  test("answers the same from its cache as the first time", () => {
    const first = stem("connections");
    expect(stem("connections")).toBe(first);
    expect(first).toBe(stem("connect"));
  });
});
