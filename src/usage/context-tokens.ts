import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { encode } from "gpt-tokenizer/encoding/o200k_base";

/** Tools as model APIs receive them: `[{name, description, input_schema}]`, minified. */
export function serializeTools(tools: readonly Tool[]): string {
  return JSON.stringify(
    tools.map((t) => ({ name: t.name, description: t.description ?? "", input_schema: t.inputSchema })),
  );
}

/** Tokens of `text` in the o200k vocabulary (GPT-4o and later), the bench's and the dashboard's count. */
export function o200k(text: string): number {
  return encode(text).length;
}

/** The o200k tokens a model pays to be shown these tools (what `npm run bench:tokens` counts). */
export function toolTokens(tools: readonly Tool[]): number {
  return o200k(serializeTools(tools));
}
