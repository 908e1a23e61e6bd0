import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { machineInfo } from "./machine.ts";
import { RESULTS_DIR } from "./paths.ts";

export type Row = Record<string, string | number | boolean | null | undefined>;

/** Prints rows as an aligned text table (also the Markdown source for docs/BENCHMARKS.md). */
export function table(rows: readonly Row[], columns?: readonly string[]): string {
  const cols = columns ?? [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: Row[string]): string =>
    v === undefined || v === null ? "" : typeof v === "number" ? formatNumber(v) : String(v);
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]): string =>
    `| ${values.map((v, i) => v.padEnd(widths[i] as number)).join(" | ")} |`;
  return [
    line([...cols]),
    `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`,
    ...rows.map((r) => line(cols.map((c) => cell(r[c])))),
  ].join("\n");
}

function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 100 ? v.toFixed(1) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toFixed(3);
}

/** Writes `results/<name>.json` (with machine info and the reproducing command) and prints the tables. */
export function publish(
  name: string,
  command: string,
  data: Record<string, unknown>,
  tables: Array<{ title: string; rows: Row[]; columns?: string[]; note?: string }>,
): void {
  const machine = machineInfo();
  mkdirSync(RESULTS_DIR, { recursive: true });
  const out = { name, command, date: new Date().toISOString(), machine, tables, ...data };
  const file = join(RESULTS_DIR, `${name}.json`);
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  console.log(`\n## ${name}  (${command})`);
  console.log(
    `machine: ${machine.cpu} x${machine.cores}, ${machine.memoryGiB} GiB, ${machine.os}, bun ${machine.bun}, node ${machine.node}, commit ${machine.commit}`,
  );
  for (const t of tables) {
    console.log(`\n### ${t.title}\n`);
    console.log(table(t.rows, t.columns));
    if (t.note) console.log(`\n${t.note}`);
  }
  console.log(`\nresults: ${file}`);
}
