import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { encode } from "gpt-tokenizer/encoding/o200k_base";
import { o200k, serializeTools, tiktokenRanks, toolTokens } from "../../src/usage/context-tokens.ts";
import { ROOT } from "../helpers/paths.ts";

const TIKTOKEN = join(ROOT, "node_modules/gpt-tokenizer/data/o200k_base.tiktoken");

describe("context tokens", () => {
  test("the ranks read from the .tiktoken file are gpt-tokenizer's generated ones, entry for entry", async () => {
    const generated = (await import("gpt-tokenizer/bpeRanks/o200k_base")).default as unknown[];
    const read = tiktokenRanks(readFileSync(TIKTOKEN, "utf8"));
    expect(read.length).toBe(generated.length);
    const differing = read.filter((v, i) => JSON.stringify(v) !== JSON.stringify(generated[i]));
    expect(differing).toEqual([]);
  });

  test("counts what gpt-tokenizer's o200k encoder counts", () => {
    for (const text of [readFileSync(join(ROOT, "README.md"), "utf8"), "héllo 👋 世界", ""]) {
      expect(o200k(text)).toBe(encode(text).length);
    }
  });

  test("tools are counted as model APIs receive them", () => {
    const tools = [{ name: "add", description: "Adds", inputSchema: { type: "object" as const } }];
    expect(serializeTools(tools)).toBe(
      '[{"name":"add","description":"Adds","input_schema":{"type":"object"}}]',
    );
    expect(toolTokens(tools)).toBe(encode(serializeTools(tools)).length);
  });

  test("a malformed .tiktoken line is an error naming it", () => {
    expect(() => tiktokenRanks("IQ== 0\nbroken\n")).toThrow("invalid .tiktoken line: broken");
  });
});
