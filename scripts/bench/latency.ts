/**
 * Latency: per-call cost the gateway adds, and search time at 527 and ~10,000 tools.
 * Run: bun scripts/bench/latency.ts [--calls 300] [--rounds 5] [--quick]
 *
 * Calls: server-everything's get-sum, sequentially, (1) directly over stdio with the SDK client, (2) through
 * the gateway in --stdio mode and (3) through the gateway over Streamable HTTP (both via gateway_invoke).
 * Modes are interleaved round by round so drift on a shared machine hits all of them alike; each figure is
 * the median over rounds.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { ToolSearch } from "../../src/catalog/search.ts";
import { loadCatalog } from "../../test/fixtures/catalog-server.ts";
import { numberArg } from "./lib/args.ts";
import { inProcessCatalog, liveMcpBenchTasks, ownQueries, syntheticServers } from "./lib/livemcpbench.ts";
import { connectHttp, connectStdio, gatewayStdioSpec, startHttpGateway, writeConfig } from "./lib/mcp.ts";
import { bin } from "./lib/paths.ts";
import { publish, type Row } from "./lib/report.ts";
import { median, percentile, round } from "./lib/stats.ts";

const quick = process.argv.includes("--quick");
const CALLS = numberArg("calls", quick ? 50 : 300);
const ROUNDS = numberArg("rounds", quick ? 1 : 5);
const WARMUP = 30;

const everything = { command: `${bin("mcp-server-everything")} stdio` };
// Back-to-back calls exceed the default rate limit (100/s); the bench measures relaying, not the limiter.
const config = writeConfig({
  everything: {
    ...everything,
    description: "reference server",
    failsafe: { rate_limit: { enabled: false } },
  },
});

type Call = (i: number) => Promise<unknown>;

async function timeCalls(call: Call, n: number): Promise<number[]> {
  for (let i = 0; i < WARMUP; i++) await call(i);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await call(i);
    out.push(performance.now() - t0);
  }
  return out;
}

function checkSum(result: unknown, i: number): void {
  const text = JSON.stringify(result);
  if (!text.includes(String(i + 1000))) throw new Error(`unexpected get-sum result: ${text.slice(0, 200)}`);
}

const direct = await connectStdio(everything);
const viaStdio = await connectStdio(gatewayStdioSpec(config));
const http = await startHttpGateway(config, { backends: 1 });
const viaHttp = await connectHttp(new URL("/mcp", http.url));

const modes: Array<[string, Client, Call]> = [
  [
    "direct (SDK client → server, stdio)",
    direct,
    async (i) => checkSum(await direct.callTool({ name: "get-sum", arguments: { a: i, b: 1000 } }), i),
  ],
  [
    "gateway --stdio (gateway_invoke)",
    viaStdio,
    async (i) =>
      checkSum(
        await viaStdio.callTool({
          name: "gateway_invoke",
          arguments: { server: "everything", tool: "get-sum", arguments: { a: i, b: 1000 } },
        }),
        i,
      ),
  ],
  [
    "gateway Streamable HTTP (gateway_invoke)",
    viaHttp,
    async (i) =>
      checkSum(
        await viaHttp.callTool({
          name: "gateway_invoke",
          arguments: { server: "everything", tool: "get-sum", arguments: { a: i, b: 1000 } },
        }),
        i,
      ),
  ],
];

const perMode = new Map<string, { p50: number[]; p99: number[]; mean: number[] }>();
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, , call] of modes) {
    const samples = await timeCalls(call, CALLS);
    const entry = perMode.get(name) ?? { p50: [], p99: [], mean: [] };
    entry.p50.push(percentile(samples, 50));
    entry.p99.push(percentile(samples, 99));
    entry.mean.push(samples.reduce((a, b) => a + b, 0) / samples.length);
    perMode.set(name, entry);
  }
}
await Promise.all([direct.close(), viaStdio.close(), viaHttp.close()]);
await http.stop();

const base = perMode.get(modes[0]?.[0] as string) as { p50: number[]; p99: number[] };
const callRows: Row[] = [...perMode].map(([mode, m]) => ({
  mode,
  "p50 ms": round(median(m.p50), 3),
  "p99 ms": round(median(m.p99), 3),
  "added p50 ms": round(median(m.p50) - median(base.p50), 3),
  "added p99 ms": round(median(m.p99) - median(base.p99), 3),
}));

// Search latency, in-process (the index the gateway uses), at the real catalog size and ~10k tools.
const servers = loadCatalog();
const queries = [...liveMcpBenchTasks(servers).map((t) => t.q), ...ownQueries().map((q) => q.q)];
const searchRows: Row[] = [];
const searchData: Record<string, unknown>[] = [];
for (const copies of [1, 19]) {
  const catalog = inProcessCatalog(syntheticServers(copies, servers));
  const tools = catalog.entries().length;
  const search = new ToolSearch(catalog);
  const b0 = performance.now();
  search.search("warm up the index", 5);
  const buildMs = performance.now() - b0;
  const p50s: number[] = [];
  const p99s: number[] = [];
  const shortP50s: number[] = [];
  for (let round = 0; round < Math.max(3, ROUNDS); round++) {
    const all: number[] = [];
    const short: number[] = [];
    for (const q of queries) {
      const t0 = performance.now();
      search.search(q, 5);
      const ms = performance.now() - t0;
      all.push(ms);
      if (q.split(/\s+/).length <= 6) short.push(ms);
    }
    p50s.push(percentile(all, 50));
    p99s.push(percentile(all, 99));
    shortP50s.push(percentile(short, 50));
  }
  const row = {
    tools,
    queries: queries.length,
    "index build ms": round(buildMs, 1),
    "p50 ms (all queries)": round(median(p50s), 3),
    "p99 ms (all queries)": round(median(p99s), 3),
    "p50 ms (queries ≤ 6 words)": round(median(shortP50s), 3),
  };
  searchRows.push(row);
  searchData.push(row);
}

publish(
  "latency",
  `bun scripts/bench/latency.ts${quick ? " --quick" : ` --calls ${CALLS} --rounds ${ROUNDS}`}`,
  { calls: CALLS, rounds: ROUNDS, warmup: WARMUP, perMode: Object.fromEntries(perMode), search: searchData },
  [
    {
      title: `Per-call latency: ${CALLS} sequential get-sum calls × ${ROUNDS} rounds (median of per-round p50/p99)`,
      rows: callRows,
      note: "Targets: added p50 <= 0.5 ms over stdio, <= 1 ms over HTTP. The bench turns the backend's rate limit off (300 back-to-back calls exceed its 100/s default); breaker, concurrency limit and retry stay on.",
    },
    {
      title: "Search latency (gateway's ToolSearch in-process; LiveMCPBench tasks + own queries, limit 5)",
      rows: searchRows,
      note: "Target: search p50 < 1 ms at 10,000 tools. ~10,000 tools = the 527-tool catalog 19 times, names suffixed.",
    },
  ],
);
process.exit(0);
