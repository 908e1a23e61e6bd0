import { join } from "node:path";
import { BUN, ROOT } from "./paths.ts";

/** The official MCP conformance suite, pinned as a devDependency (run under Bun: it needs Node ≥ 22). */
export const CONFORMANCE = join(ROOT, "node_modules/@modelcontextprotocol/conformance/dist/index.js");
/**
 * The suite's newest release (a prerelease: the first that covers 2026-07-28), installed under an alias
 * beside the stable one, which keeps pinning the 2025 results.
 */
export const CONFORMANCE_2026 = join(
  ROOT,
  "node_modules/@modelcontextprotocol/conformance-2026/dist/index.js",
);

/** One run of the suite: exit code, all output, and each scenario's ✓/✗ line parsed. */
export interface ConformanceRun {
  code: number;
  output: string;
  scenarios: Map<string, { passed: number; failed: number }>;
  /** The `Passed: N/M, F failed` line of a single-scenario run, if printed. */
  summary: { passed: number; total: number; failed: number } | undefined;
}

/** Runs `conformance <args>` (e.g. `server --url U --suite all`, `client --command C --scenario S`). */
export async function runConformance(
  args: string[],
  options: { cwd?: string; entry?: string } = {},
): Promise<ConformanceRun> {
  const proc = Bun.spawn([BUN, options.entry ?? CONFORMANCE, ...args], {
    stdout: "pipe",
    stderr: "pipe",
    ...(options.cwd ? { cwd: options.cwd } : {}),
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
  });
  const [code, out, err] = await Promise.all([
    proc.exited,
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  const output = `${out}\n${err}`;
  const scenarios = new Map<string, { passed: number; failed: number }>();
  for (const match of output.matchAll(/[✓✗] ([\w-]+): (\d+) passed, (\d+) failed/g)) {
    scenarios.set(match[1] as string, { passed: Number(match[2]), failed: Number(match[3]) });
  }
  const single = /Passed: (\d+)\/(\d+), (\d+) failed/.exec(output);
  const summary = single
    ? { passed: Number(single[1]), total: Number(single[2]), failed: Number(single[3]) }
    : undefined;
  // Not printed here: some runs fail on purpose, and the suite's "Total: N passed, M failed" line would read
  // like the test run's own summary in CI's log. Callers print `explain(run)` when an expectation fails.
  return { code, output, scenarios, summary };
}

/** Names of the scenarios with at least one failed check. */
export function failingScenarios(run: ConformanceRun): string[] {
  return [...run.scenarios].filter(([, r]) => r.failed > 0).map(([name]) => name);
}

/** The run's output with its summary lines reworded, safe to print into a test log. */
export function explain(run: ConformanceRun): string {
  return run.output.replace(/(\d+) passed, (\d+) failed/g, "$1 ok / $2 not ok");
}
