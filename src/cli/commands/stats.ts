import { defineCommand } from "citty";
import { table } from "../../client/format.ts";
import { GatewayError } from "../../errors.ts";
import { didYouMean } from "../../suggest.ts";
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
  total_ms: number;
  last_used: string;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/**
 * `mcp-gateway stats [--server S] [--json]`: per-tool calls, errors and latency from the usage store in the
 * data dir (what the gateway writes after calls; a running gateway's last few seconds may not be in it yet).
 * The store keeps sums, not each call, so it has the mean latency but no p50/p99 or daily trend.
 */
export const statsCommand = defineCommand({
  meta: { name: "stats", description: "Tool usage from the usage store: calls, errors, mean latency" },
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
        total_ms: round(e.totalMs),
        last_used: new Date(e.lastUsed).toISOString(),
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
        ["SERVER", "TOOL", "CALLS", "ERRORS", "AVG MS", "LAST USED"],
        rows.map((r) => [
          r.server,
          r.tool,
          String(r.calls),
          r.errors === 0 ? "0" : `${r.errors} (${Math.round((100 * r.errors) / r.calls)}%)`,
          String(r.avg_ms),
          r.last_used.replace("T", " ").slice(0, 19),
        ]),
      ),
    );
  },
});
