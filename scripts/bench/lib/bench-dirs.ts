/**
 * A bench run's gateway state in a temp dir, never the user's: manifests, firewall pins and quarantined
 * tools (the cache dir), usage, budgets and the audit log (the data dir). Imported for its effect by
 * `paths.ts`, which every bench imports, before any gateway is built in this process or spawned from it:
 * in-process gateways read the two variables, spawned ones inherit them. The dir goes at exit.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** This process's temp dir holding `cache/` and `data/` for every gateway it runs. */
export const BENCH_STATE_DIR = mkdtempSync(join(tmpdir(), "mcp-gateway-bench-state-"));

// Set, not defaulted: a developer's own MCP_GATEWAY_CACHE_DIR is as much theirs as ~/.cache.
process.env.MCP_GATEWAY_CACHE_DIR = join(BENCH_STATE_DIR, "cache");
process.env.MCP_GATEWAY_DATA_DIR = join(BENCH_STATE_DIR, "data");

function removeState(): void {
  rmSync(BENCH_STATE_DIR, { recursive: true, force: true });
}

process.once("exit", removeState);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    removeState();
    process.exit(signal === "SIGINT" ? 130 : 143);
  });
}

/** A fresh dir inside this run's state dir (configs, scratch data, binaries): removed with it at exit. */
export function benchTempDir(prefix: string): string {
  return mkdtempSync(join(BENCH_STATE_DIR, prefix));
}
