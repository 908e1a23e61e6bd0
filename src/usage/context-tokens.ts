import { readFileSync } from "node:fs";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
// The vocabulary as a file, not gpt-tokenizer's generated JS array: compiled with --bytecode that array
// costs about 10 MB of binary; the file is embedded as its 3.6 MB and read on the first count.
import O200K_FILE from "gpt-tokenizer/data/o200k_base.tiktoken" with { type: "file" };
import { GptEncoding } from "gpt-tokenizer/GptEncoding";

/** Tools as model APIs receive them: `[{name, description, input_schema}]`, minified. */
export function serializeTools(tools: readonly Tool[]): string {
  return JSON.stringify(
    tools.map((t) => ({ name: t.name, description: t.description ?? "", input_schema: t.inputSchema })),
  );
}

/**
 * A `.tiktoken` file (`base64 rank` lines) as gpt-tokenizer's rank array, built by the rule of its own
 * codegen (`generateJsBpe.ts`): a token that is valid UTF-8 of the same length is a string, any other its
 * bytes.
 * @throws Error naming the line when one is malformed
 */
export function tiktokenRanks(text: string): (string | number[])[] {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const encoder = new TextEncoder();
  const ranks: (string | number[])[] = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const [token, rank] = line.split(" ");
    if (!token || !rank || !/^\d+$/.test(rank))
      throw new Error(`invalid .tiktoken line: ${line.slice(0, 80)}`);
    const bytes = Buffer.from(token, "base64");
    let decoded: string | undefined;
    try {
      decoded = decoder.decode(bytes);
    } catch {}
    ranks[Number(rank)] =
      decoded !== undefined && encoder.encode(decoded).byteLength === bytes.byteLength ? decoded : [...bytes];
  }
  return ranks;
}

let o200kEncoding: GptEncoding | undefined;

/** Tokens of `text` in the o200k vocabulary (GPT-4o and later), the bench's and the dashboard's count. */
export function o200k(text: string): number {
  o200kEncoding ??= GptEncoding.getEncodingApi("o200k_base", () =>
    tiktokenRanks(readFileSync(O200K_FILE, "utf8")),
  );
  return o200kEncoding.encode(text).length;
}

/** The o200k tokens a model pays to be shown these tools (what `npm run bench:tokens` counts). */
export function toolTokens(tools: readonly Tool[]): number {
  return o200k(serializeTools(tools));
}
