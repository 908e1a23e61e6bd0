import type { CheckResult, CheckStatus } from "./checks.ts";

const MARK: Record<CheckStatus, string> = { ok: "✓", warn: "!", fail: "✗", skip: "-" };

/** True when nothing failed (warnings and skips are fine). */
export function passed(results: readonly CheckResult[]): boolean {
  return results.every((r) => r.status !== "fail");
}

/** The human report: one ✓/✗ line per check, details indented, a summary last. */
export function formatText(results: readonly CheckResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    lines.push(`${MARK[r.status]} ${r.kind.padEnd(7)} ${r.message}`);
    for (const detail of r.details ?? []) lines.push(`            ${detail}`);
  }
  // An invalid config is one ✗ line with each of its problems below it: count those.
  const failed = results
    .filter((r) => r.status === "fail")
    .reduce((sum, r) => sum + (r.kind === "config" && r.details?.length ? r.details.length : 1), 0);
  const warned = results.filter((r) => r.status === "warn").length;
  lines.push(
    failed === 0
      ? `all checks passed${warned > 0 ? ` (${warned} warning${warned === 1 ? "" : "s"})` : ""}`
      : `${failed} problem${failed === 1 ? "" : "s"} found`,
  );
  return `${lines.join("\n")}\n`;
}

/** The machine report for --json. */
export function formatJson(results: readonly CheckResult[]): string {
  return `${JSON.stringify({ ok: passed(results), checks: results }, null, 2)}\n`;
}
