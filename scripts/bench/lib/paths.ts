import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
// First: every gateway this process builds or spawns keeps its cache and data in a temp dir, not the user's.
import "./bench-dirs.ts";

/** Repository root (two levels above this file). */
export const ROOT = resolve(dirname(new URL(import.meta.url).pathname), "../../..");
export const BENCH_DIR = join(ROOT, "scripts/bench");
/** Where results go; smoke runs (`run-all.ts --quick`) write elsewhere so they never feed the docs. */
export const RESULTS_DIR =
  process.env.MCP_GATEWAY_BENCH_RESULTS ??
  join(BENCH_DIR, process.argv.includes("--quick") ? "results-smoke" : "results");
/** The LiveMCPBench data (Apache-2.0), vendored so benches run from a clone. */
export const SHARED_DATA = join(BENCH_DIR, "data/livemcpbench");
/** The catalog file every bench and its catalog-fixture backends read (`--catalog`). */
export const LIVEMCPBENCH_TOOLS = join(SHARED_DATA, "tools.json");
process.env.LIVEMCPBENCH_TOOLS ??= LIVEMCPBENCH_TOOLS;
export const CATALOG_FIXTURE = join(ROOT, "test/fixtures/catalog-server.ts");
/**
 * The gateway under test: this tree's src/main.ts, or another copy's (MCP_GATEWAY_BENCH_ENTRY, e.g. an export
 * of a commit while src/ is being rewritten: `git archive HEAD src package.json capabilities | tar -x -C DIR`).
 */
export const GATEWAY_ENTRY = process.env.MCP_GATEWAY_BENCH_ENTRY ?? join(ROOT, "src/main.ts");

/** Absolute path of an npm bin: bench-only packages first, then the root devDependencies. */
export function bin(name: string): string {
  for (const dir of [join(BENCH_DIR, "node_modules/.bin"), join(ROOT, "node_modules/.bin")]) {
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  throw new Error(`${name} is not installed: run npm install --prefix scripts/bench --ignore-scripts`);
}

/** The bun binary this script runs on (so children use the same version). */
export const BUN = process.execPath;
