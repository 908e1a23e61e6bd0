import { defineCommand } from "citty";
import { table } from "../../client/format.ts";
import { GatewayError } from "../../errors.ts";
import { didYouMean } from "../../suggest.ts";
import type { DayCount } from "../../usage/daily-counts.ts";
import { UsageStore } from "../../usage/usage-store.ts";
import { assertKnownFlags } from "../flags.ts";
import { writeErrorLine, writeOutput } from "../output.ts";

const statsArgs = {
  server: { type: "string", alias: "s", description: "Only this server's tools" },
  json: { type: "boolean", description: "Machine-readable output" },
} as const;

/** One tool's row as `stats --json` prints it. */
export interface StatsRow {
  server: string;
  tool: string;
  calls: number;
  errors: number;
  avg_ms: number;
  /** Median latency (±9%: fixed histogram buckets), null before the histogram counted a call. */
  p50_ms: number | null;
  p99_ms: number | null;
  /** Calls the percentiles cover (a store written before the histogram existed has fewer). */
  latency_calls: number;
  total_ms: number;
  last_used: string;
  /** Calls per UTC day, the last 14 days, oldest first. */
  days: DayCount[];
  /** Calls in the last 7 days and in the 7 before. */
  trend: { last_7d: number; previous_7d: number };
}

const BARS = "▁▂▃▄▅▆▇█";

/** Calls per day as one character each: · for none, else a bar scaled to the busiest day. */
export function sparkline(days: readonly DayCount[]): string {
  const most = Math.max(0, ...days.map((d) => d.calls));
  return days
    .map((d) =>
      d.calls === 0 ? "·" : BARS[Math.min(BARS.length - 1, Math.ceil((d.calls / most) * BARS.length) - 1)],
    )
    .join("");
}

function sum(days: readonly DayCount[]): number {
  return days.reduce((total, d) => total + d.calls, 0);
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

function quantile(ms: number | undefined): number | null {
  return ms === undefined ? null : round(ms);
}

/**
 * `mcp-gateway stats [--server S] [--json]`: per-tool calls, errors and latency from the usage store in the
 * data dir (what the gateway writes after calls; a running gateway's last few seconds may not be in it yet).
 * p50/p99 come from a fixed-bucket histogram per tool (±9%); the trend from calls per UTC day (14 days kept).
 */
export const statsCommand = defineCommand({
  meta: {
    name: "stats",
    description: "Tool usage from the usage store: calls, errors, mean/p50/p99 latency, 14-day trend",
  },
  args: statsArgs,
  run: async ({ args, rawArgs }) => {
    assertKnownFlags(rawArgs, statsArgs);
    const errors: string[] = [];
    const store = new UsageStore({ warn: (m) => errors.push(m), setAside: false });
    await store.load();
    // An unreadable file is no empty store: say so rather than print a table as if nothing ran.
    if (errors.length > 0) throw new Error(errors.join("; "));
    const all = store.entries();
    const server = args.server;
    if (server !== undefined && !all.some((e) => e.backend === server)) {
      const servers = [...new Set(all.map((e) => e.backend))];
      throw new GatewayError(
        "USAGE",
        `no calls recorded for server "${server}"${didYouMean(server, servers)}` +
          ` (servers with calls: ${servers.join(", ") || "none"})`,
      );
    }
    const rows: StatsRow[] = all
      .filter((e) => server === undefined || e.backend === server)
      .map((e) => ({
        server: e.backend,
        tool: e.tool,
        calls: e.calls,
        errors: e.errors,
        avg_ms: round(e.avgMs),
        p50_ms: quantile(e.p50Ms),
        p99_ms: quantile(e.p99Ms),
        latency_calls: e.latencyCalls,
        total_ms: round(e.totalMs),
        last_used: new Date(e.lastUsed).toISOString(),
        days: e.days,
        trend: { last_7d: sum(e.days.slice(-7)), previous_7d: sum(e.days.slice(-14, -7)) },
      }));
    if (args.json) {
      writeOutput(`${JSON.stringify({ file: store.path, tools: rows }, null, 2)}\n`);
      return;
    }
    if (rows.length === 0) {
      writeErrorLine(`no tool calls recorded yet (${store.path})`);
      return;
    }
    writeOutput(
      table(
        ["SERVER", "TOOL", "CALLS", "ERRORS", "AVG MS", "P50 MS", "P99 MS", "14 DAYS", "LAST USED"],
        rows.map((r) => [
          r.server,
          r.tool,
          String(r.calls),
          r.errors === 0 ? "0" : `${r.errors} (${Math.round((100 * r.errors) / r.calls)}%)`,
          String(r.avg_ms),
          r.p50_ms === null ? "-" : String(r.p50_ms),
          r.p99_ms === null ? "-" : String(r.p99_ms),
          sparkline(r.days),
          r.last_used.replace("T", " ").slice(0, 19),
        ]),
      ),
    );
  },
});
