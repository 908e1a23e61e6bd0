import { describe, expect, test } from "bun:test";
import {
  CUT,
  compactSchema,
  cutText,
  DESCRIPTION_MAX,
  ENUM_MAX,
  SIGNATURE_MAX,
  shortDescription,
  signature,
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

  test("drops vendor extensions, titles beside a description and deprecated optional properties", () => {
    const { schema } = compactSchema({
      type: "object",
      "x-github": { triggersNotification: true },
      properties: {
        owner: { type: "string", title: "Owner login", description: "The account owner.", "x-order": 1 },
        position: { type: "integer", deprecated: true, description: "Use line instead." },
        legacy: { type: "string", deprecated: true },
      },
      required: ["owner", "legacy"],
      $defs: {},
    });
    expect(schema).toEqual({
      type: "object",
      properties: {
        owner: { type: "string", description: "The account owner." },
        // Deprecated but required: a call still needs it.
        legacy: { type: "string", deprecated: true },
      },
      required: ["owner", "legacy"],
    });
  });

  test("a description keeps its first sentence, marked when more followed", () => {
    expect(shortDescription("The account owner of the repository. The name is not case sensitive.")).toEqual({
      text: `The account owner of the repository. ${CUT}`,
      cut: true,
    });
    // A first "sentence" too short to stand alone is not a sentence worth keeping alone.
    expect(shortDescription("E.g. foo. Then the real explanation.").text).toBe(
      "E.g. foo. Then the real explanation.",
    );
    expect(shortDescription("One sentence only.")).toEqual({ text: "One sentence only.", cut: false });
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

describe("signature", () => {
  test("lists required arguments first, optional ones with ?, in declared order", () => {
    const { text, cut } = signature({
      type: "object",
      properties: {
        note: { type: "string" },
        a: { type: "number" },
        tags: { type: "array", items: { type: "string" } },
        b: { type: ["integer", "null"] },
      },
      required: ["a", "b"],
    });
    expect(cut).toBe(false);
    expect(text).toBe("(a: number, b: integer|null, note?: string, tags?: string[])");
  });

  test("shows enums (cut past ENUM_MAX), unions, $refs and one level of nested objects", () => {
    const values = ["a", "b", "c", "d", "e", "f", "g"];
    expect(values.length).toBeGreaterThan(ENUM_MAX);
    const { text } = signature({
      type: "object",
      properties: {
        mode: { enum: values },
        id: { oneOf: [{ type: "integer" }, { type: "string" }] },
        author: {
          type: "object",
          properties: { name: { type: "string" }, meta: { type: "object", properties: { x: {} } } },
          required: ["name"],
        },
        page: { $ref: "#/$defs/page" },
        items: { type: "array", items: { anyOf: [{ type: "string" }, { type: "number" }] } },
        missing: { $ref: "#/$defs/nowhere" },
      },
      required: ["mode"],
      $defs: { page: { type: "integer" } },
    });
    expect(text).toBe(
      `(mode: "a"|"b"|"c"|"d"|"e"|${CUT}, id?: integer|string, author?: {name: string, meta?: object}, page?: integer, items?: (string|number)[], missing?: object)`,
    );
  });

  test("a tool without arguments has an empty list", () => {
    expect(signature({ type: "object" })).toEqual({ text: "()", cut: false });
    expect(signature({ type: "object", properties: {} }).text).toBe("()");
  });

  test("past SIGNATURE_MAX the optional arguments give way to a marker, required ones stay", () => {
    const properties: Record<string, unknown> = { must: { type: "string" } };
    for (let i = 0; i < 40; i++) properties[`option_number_${i}`] = { type: "string" };
    properties.last_required = { type: "boolean" };
    const { text, cut } = signature({ type: "object", properties, required: ["must", "last_required"] });
    expect(cut).toBe(true);
    expect(text.length).toBeLessThanOrEqual(SIGNATURE_MAX);
    expect(text.startsWith("(must: string, last_required: boolean, option_number_0?: string")).toBe(true);
    expect(text.endsWith(`, ${CUT})`)).toBe(true);
  });
});
