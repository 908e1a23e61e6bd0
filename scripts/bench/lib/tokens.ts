import { join } from "node:path";
import { BENCH_DIR } from "./paths.ts";

// One counting path for the bench and the dashboard's Usage page.
export { o200k, serializeTools } from "../../../src/usage/context-tokens.ts";

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
