/**
 * Memory: resident set size of the gateway process (HTTP mode; backends' own processes not counted) idle with
 * no backends, with the 3 example backends, with 100 backends, and with ~10,000 catalogued tools after the
 * search index is built. Median of several runs.
 * Run: bun scripts/bench/memory.ts [--runs 3] [--quick]
 */
import { readFileSync } from "node:fs";
import { type BackendSpec, connectHttp, startHttpGateway, writeConfig } from "./lib/mcp.ts";
import { publish, type Row } from "./lib/report.ts";
import { exampleBackends, hundredBackends, syntheticBackend } from "./lib/servers.ts";
import { median, round } from "./lib/stats.ts";

const quick = process.argv.includes("--quick");
const i = process.argv.indexOf("--runs");
const RUNS = i > 0 ? Number(process.argv[i + 1]) : quick ? 1 : 3;
const SETTLE_MS = 1000;

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

const scenarios: Array<{
  name: string;
  backends: Record<string, BackendSpec>;
  tools?: number;
  search?: boolean;
}> = [
  { name: "idle, no backends", backends: {} },
  { name: "3 backends (examples/gateway.yaml)", backends: exampleBackends() },
  { name: "100 backends (2 tools each)", backends: hundredBackends() },
  {
    name: "10,013 tools (one backend), index built",
    backends: { catalog: syntheticBackend(19) },
    search: true,
  },
];

const samples = new Map<string, { rss: number[]; tools: number[] }>();
for (let run = 0; run < RUNS; run++) {
  for (const s of scenarios) {
    const gw = await startHttpGateway(writeConfig(s.backends), { backends: Object.keys(s.backends).length });
    let tools = 0;
    try {
      const client = await connectHttp(new URL("/mcp", gw.url));
      if (s.search) {
        await client.callTool({ name: "gateway_search_tools", arguments: { query: "stock price" } });
      }
      const listed = (await client.callTool({ name: "gateway_list_servers", arguments: {} }))
        .structuredContent as {
        servers: Array<{ tools: number }>;
      };
      tools = listed.servers.reduce((n, x) => n + x.tools, 0);
      await client.close();
      await Bun.sleep(SETTLE_MS);
      const entry = samples.get(s.name) ?? { rss: [], tools: [] };
      entry.rss.push(rssMiB(gw.proc.pid));
      entry.tools.push(tools);
      samples.set(s.name, entry);
    } finally {
      await gw.stop();
    }
  }
}

const rows: Row[] = scenarios.map((s) => {
  const m = samples.get(s.name) as { rss: number[]; tools: number[] };
  return { scenario: s.name, tools: median(m.tools), "gateway RSS MiB": round(median(m.rss), 1) };
});
publish(
  "memory",
  `bun scripts/bench/memory.ts${quick ? " --quick" : ` --runs ${RUNS}`}`,
  { runs: RUNS, samples: Object.fromEntries(samples) },
  [
    {
      title: `Gateway RSS (VmRSS of the gateway process only, ${SETTLE_MS} ms after the last request; median of ${RUNS} runs)`,
      rows,
    },
  ],
);
process.exit(0);
