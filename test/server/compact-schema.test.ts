import { describe, expect, test } from "bun:test";
import {
  CUT,
  compactSchema,
  cutText,
  DESCRIPTION_MAX,
  withoutUnusedDefinitions,
} from "../../src/server/compact-schema.ts";

describe("compactSchema", () => {
  test("drops what a model does not need and keeps what a valid call needs", () => {
    const { schema, cut } = compactSchema({
      $schema: "http://json-schema.org/draft-07/schema#",
      type: "object",
      additionalProperties: false,
      properties: {
        file_path: { title: "File Path", type: "string", format: "uri", examples: ["/a", "/b", "/c"] },
        mode: { title: "How to open it", type: "string", enum: ["r", "w"], default: "r" },
        // A property literally named like a keyword is a name, not a keyword: it stays.
        title: { type: "string", additionalProperties: true },
      },
      required: ["file_path", "title"],
    });
    expect(cut).toBe(false);
    expect(schema).toEqual({
      type: "object",
      properties: {
        file_path: { type: "string", format: "uri", examples: ["/a"] },
        mode: { title: "How to open it", type: "string", enum: ["r", "w"], default: "r" },
        title: { type: "string" },
      },
      required: ["file_path", "title"],
    });
  });

  test("cuts long descriptions at a sentence or word, marked, and says so", () => {
    const long = `${"Reads a file from disk and returns its text. ".repeat(5)}Then more.`;
    const { schema, cut } = compactSchema({
      type: "object",
      properties: { p: { type: "string", description: long } },
    });
    expect(cut).toBe(true);
    const text = (schema.properties as Record<string, { description: string }>).p?.description ?? "";
    expect(text.length).toBeLessThanOrEqual(DESCRIPTION_MAX + 2);
    expect(text.endsWith(CUT)).toBe(true);
    expect(cutText("short", 10)).toEqual({ text: "short", cut: false });
  });

  test("keeps only the definitions a $ref reaches, through other definitions too", () => {
    const schema = withoutUnusedDefinitions({
      type: "object",
      properties: { parent: { $ref: "#/$defs/parent" } },
      $defs: {
        parent: { oneOf: [{ $ref: "#/$defs/page" }, { type: "null" }] },
        page: { type: "object", properties: { id: { type: "string" } } },
        unused: { type: "object", properties: { huge: { type: "string" } } },
        "a/b": { type: "string" },
      },
    });
    expect(Object.keys(schema.$defs as object).sort()).toEqual(["page", "parent"]);
    const escaped = withoutUnusedDefinitions({
      properties: { x: { $ref: "#/$defs/a~1b" } },
      $defs: { "a/b": {}, c: {} },
    });
    expect(Object.keys(escaped.$defs as object)).toEqual(["a/b"]);
    // Nothing referenced: the section goes.
    expect(withoutUnusedDefinitions({ type: "string", $defs: { x: {} } })).toEqual({ type: "string" });
  });
});
