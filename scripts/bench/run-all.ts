/**
 * Runs every benchmark in turn, then renders docs/BENCHMARKS.md from their JSON results.
 * Run: bun scripts/bench/run-all.ts            (npm run bench) the full suite, ~10 minutes on 2 cores
 *      bun scripts/bench/run-all.ts --quick    (npm run bench:smoke) one short run of each, for CI: proves the
 *                                              suite works; its figures are not for quoting
 * Benchmarks whose bench-only packages are missing (npm install --prefix scripts/bench) are skipped with a
 * note rather than failing the run.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { BENCH_DIR, ROOT } from "./lib/paths.ts";

const quick = process.argv.includes("--quick");
const benchDeps = existsSync(join(BENCH_DIR, "node_modules/.bin/supergateway"));
const wrk = Bun.which("wrk") !== null;
const cluster = Bun.which("redis-server") !== null && Bun.which("haproxy") !== null;

const steps: Array<{
  script: string;
  args: string[];
  needsBenchDeps?: boolean;
  needsWrk?: boolean;
  needsCluster?: boolean;
  full?: boolean;
}> = [
  { script: "tokens.ts", args: quick || !benchDeps ? ["--quick"] : [] },
  { script: "search-quality.ts", args: quick ? ["--in-process"] : [] },
  // This tree's search against plain minisearch scoring (9ef6938, before TermScores), side by side (section 2b).
  { script: "search-compare.ts", args: ["--against", "9ef6938"], full: true },
  // The local sentence encoder's cost (minutes: embeds the catalog once, then cached) and synonym sources.
  { script: "search-semantic-cost.ts", args: [], full: true },
  { script: "search-synonyms.ts", args: [], needsBenchDeps: true, full: true },
  { script: "latency.ts", args: quick ? ["--quick"] : [] },
  { script: "startup.ts", args: quick ? ["--quick"] : [] },
  { script: "memory.ts", args: quick ? ["--quick"] : [] },
  { script: "throughput.ts", args: quick ? ["--quick"] : [], needsBenchDeps: true, needsWrk: true },
  // Skips (and names) any peer that is not installed, so it runs without the bench-only packages too.
  { script: "peers.ts", args: quick ? ["--quick"] : [] },
  { script: "faults.ts", args: quick ? ["--runs", "1"] : [] },
  // Issue 11 "keep measuring": hostile input, sustained load, kill -9 under load (a few seconds each in --quick).
  { script: "fuzz.ts", args: quick ? ["--quick"] : [] },
  { script: "load.ts", args: quick ? ["--quick"] : [] },
  { script: "kill-under-load.ts", args: quick ? ["--quick"] : [] },
  // Issue 13: attack corpus detection, false positives on real catalogs, redaction cost (in-process, seconds).
  { script: "firewall.ts", args: quick ? ["--quick"] : [] },
  // Issue 12: API key, JWT and mutual TLS against no auth, interleaved rounds; the auth step alone.
  { script: "auth.ts", args: quick ? ["--quick"] : [] },
  // Issue 18: a call with OpenTelemetry off and on, against the gateway built from before src/telemetry/.
  { script: "telemetry.ts", args: quick ? ["--quick"] : [] },
  // Issue 15: the dashboard's gzipped size and first paint in headless Chromium (skips without Chromium).
  { script: "dashboard.ts", args: quick ? ["--quick"] : [] },
  // Issue 16: Redis per call, 1 vs 3 replicas behind HAProxy, a replica killed mid-session.
  { script: "replicas.ts", args: quick ? ["--quick"] : [], needsCluster: true },
];

let failed = 0;
for (const step of steps) {
  if (step.full && quick) continue;
  if (step.needsBenchDeps && !benchDeps) {
    console.log(`\n## ${step.script}: skipped (run npm install --prefix scripts/bench --ignore-scripts)`);
    continue;
  }
  if (step.needsCluster && !cluster) {
    console.log(
      `\n## ${step.script}: skipped (needs redis-server and haproxy: apt-get install redis-server haproxy)`,
    );
    continue;
  }
  if (step.needsWrk && !wrk) {
    console.log(`\n## ${step.script}: skipped (wrk is not installed: apt-get install wrk)`);
    continue;
  }
  const proc = Bun.spawn([process.execPath, join(BENCH_DIR, step.script), ...step.args], {
    cwd: ROOT,
    stdout: "inherit",
    stderr: "inherit",
    // Smoke figures are worth nothing: keep them out of results/, which docs/BENCHMARKS.md is made from.
    env: quick
      ? { ...process.env, MCP_GATEWAY_BENCH_RESULTS: join(BENCH_DIR, "results-smoke") }
      : process.env,
  });
  const code = await proc.exited;
  if (code !== 0) {
    failed++;
    console.error(`${step.script} exited with ${code}`);
  }
}
if (!quick) {
  const render = Bun.spawn([process.execPath, join(BENCH_DIR, "render-docs.ts")], {
    cwd: ROOT,
    stdout: "inherit",
    stderr: "inherit",
  });
  if ((await render.exited) !== 0) failed++;
}
console.log(failed === 0 ? "\nall benchmarks ran" : `\n${failed} benchmark(s) failed`);
process.exit(failed === 0 ? 0 : 1);
