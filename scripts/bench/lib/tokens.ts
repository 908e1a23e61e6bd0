import { join } from "node:path";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { encode } from "gpt-tokenizer/encoding/o200k_base";
import { BENCH_DIR } from "./paths.ts";

/** Tools as model APIs receive them: `[{name, description, input_schema}]`, minified. */
export function serializeTools(tools: readonly Tool[]): string {
  return JSON.stringify(
    tools.map((t) => ({ name: t.name, description: t.description ?? "", input_schema: t.inputSchema })),
  );
}

export function o200k(text: string): number {
  return encode(text).length;
}

type Counter = (text: string) => number;
let claude: Counter | null | undefined;

/**
 * The legacy Claude tokenizer from the bench-only install, loaded by path so `tsc` in CI does not need it;
 * null when it is not installed.
 */
export async function claudeCounter(): Promise<Counter | null> {
  if (claude !== undefined) return claude;
  try {
    const path = join(BENCH_DIR, "node_modules/@anthropic-ai/tokenizer/dist/cjs/index.js");
    const mod = (await import(path)) as { countTokens?: Counter; default?: { countTokens?: Counter } };
    claude = mod.countTokens ?? mod.default?.countTokens ?? null;
  } catch {
    claude = null;
  }
  return claude;
}
