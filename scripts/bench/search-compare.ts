/**
 * Search engines side by side: the working tree's ToolSearch against the one at an earlier commit, on the
 * same queries and catalogs in one process, timings interleaved round by round (the machine is shared, so
 * only a side-by-side ratio means anything). Quality is in-process (it ranks like the gateway, see
 * search-quality.ts); latency at 527 and ~10,000 tools as in latency.ts.
 *
 * Run: bun scripts/bench/search-compare.ts --against 86d3ea0 [--rounds 7]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RankerFactory, SearchSource, ToolRanker } from "../../src/catalog/ranker.ts";
import { ToolSearch } from "../../src/catalog/search.ts";
import { loadCatalog } from "../../test/fixtures/catalog-server.ts";
import { githubServers } from "./lib/github-catalog.ts";
import {
  inProcessCatalog,
  isRelevant,
  type LabelledQuery,
  liveMcpBenchTasks,
  ownQueries,
  searchSets,
  syntheticServers,
} from "./lib/livemcpbench.ts";
import { ROOT } from "./lib/paths.ts";
import { publish, type Row } from "./lib/report.ts";
import { mean, median, percentile, round } from "./lib/stats.ts";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}
const against = arg("against");
if (!against) throw new Error("usage: bun scripts/bench/search-compare.ts --against <commit> [--rounds 7]");
const ROUNDS = Number(arg("rounds") ?? 7);

/**
 * Every src/catalog/*.ts file of the commit (whatever the catalog was split into then), written under
 * node_modules/.cache so its own package imports still resolve.
 */
async function engineAt(commit: string): Promise<RankerFactory> {
  const dir = join(ROOT, "node_modules/.cache/search-compare", commit);
  mkdirSync(dir, { recursive: true });
  const listed = Bun.spawnSync(["git", "ls-tree", "--name-only", commit, "src/catalog/"], { cwd: ROOT });
  if (listed.exitCode !== 0) throw new Error(`git ls-tree ${commit} src/catalog/ failed`);
  const files = listed.stdout
    .toString()
    .split("\n")
    .filter((path) => path.endsWith(".ts"))
    .map((path) => path.slice("src/catalog/".length));
  for (const file of files) {
    const text = Bun.spawnSync(["git", "show", `${commit}:src/catalog/${file}`], { cwd: ROOT });
    if (text.exitCode !== 0) throw new Error(`git show ${commit}:src/catalog/${file} failed`);
    writeFileSync(join(dir, file), text.stdout);
  }
  // Every commit's ToolSearch takes the catalog and answers search(query, limit) as ToolRanker says.
  const module = (await import(join(dir, "search.ts"))) as {
    ToolSearch: new (catalog: SearchSource) => ToolRanker;
  };
  return (catalog) => new module.ToolSearch(catalog);
}

const servers = loadCatalog();
const engines: Array<[string, RankerFactory]> = [
  [`${against} (before)`, await engineAt(against)],
  ["working tree (after)", (catalog) => new ToolSearch(catalog)],
];

function quality(queries: LabelledQuery[], engine: ToolRanker): Row {
  const scored = queries.map((q) => {
    const ranked = engine.search(q.q, 50);
    let first: number | null = null;
    const found: Record<1 | 5 | 10, Set<string>> = { 1: new Set(), 5: new Set(), 10: new Set() };
    ranked.forEach((m, i) => {
      const label = q.relevant.find((l) => isRelevant([l], m.entry.server, m.entry.tool.name));
      if (label === undefined) return;
      first ??= i + 1;
      for (const k of [1, 5, 10] as const) if (i < k) found[k].add(label);
    });
    return { q, first: first as number | null, found };
  });
  const recall = (k: 1 | 5 | 10): number =>
    round(mean(scored.map((s) => s.found[k].size / s.q.relevant.length)));
  return {
    queries: queries.length,
    "recall@1": recall(1),
    "recall@5": recall(5),
    "recall@10": recall(10),
    "hit@5": round(mean(scored.map((s) => (s.first !== null && s.first <= 5 ? 1 : 0)))),
    MRR: round(mean(scored.map((s) => (s.first ? 1 / s.first : 0)))),
  };
}

const { sets, catalogs } = searchSets(servers, inProcessCatalog(githubServers()));
const qualityRows: Row[] = [];
for (const [name, make] of engines) {
  const rankers = new Map(catalogs.map((c) => [c, make(c)]));
  for (const { name: set, queries, catalog } of sets) {
    qualityRows.push({ set, engine: name, ...quality(queries, rankers.get(catalog) as ToolRanker) });
  }
}
qualityRows.sort((a, b) => sets.findIndex((s) => s.name === a.set) - sets.findIndex((s) => s.name === b.set));

// The same 179 queries latency.ts times: every LiveMCPBench task and the own set.
const queries = [...liveMcpBenchTasks(servers), ...ownQueries()].map((q) => q.q);
const latencyRows: Row[] = [];
for (const copies of [1, 19]) {
  const big = inProcessCatalog(syntheticServers(copies, servers));
  const built = engines.map(([name, make]) => {
    const engine = make(big);
    const t0 = performance.now();
    engine.search("warm up the index", 5);
    return { name, engine, buildMs: performance.now() - t0, p50: [] as number[], p99: [] as number[] };
  });
  // Round 1 meets every query's words for the first time (a term's scores are computed once, then reused).
  for (let r = 0; r < ROUNDS; r++) {
    for (const b of built) {
      const times: number[] = [];
      for (const q of queries) {
        const t0 = performance.now();
        b.engine.search(q, 5);
        times.push(performance.now() - t0);
      }
      b.p50.push(percentile(times, 50));
      b.p99.push(percentile(times, 99));
    }
  }
  for (const b of built) {
    latencyRows.push({
      tools: big.entries().length,
      engine: b.name,
      "index build ms": round(b.buildMs, 1),
      "first round p50 ms": round(b.p50[0] as number, 3),
      "first round p99 ms": round(b.p99[0] as number, 3),
      "p50 ms": round(median(b.p50), 3),
      "p99 ms": round(median(b.p99), 3),
    });
  }
}

publish(
  "search-compare",
  `bun scripts/bench/search-compare.ts --against ${against} --rounds ${ROUNDS}`,
  { against, rounds: ROUNDS },
  [
    { title: `Search engines side by side: quality (in-process, top 50)`, rows: qualityRows },
    {
      title: `Search engines side by side: latency (${queries.length} queries, limit 5, median of ${ROUNDS} interleaved rounds)`,
      rows: latencyRows,
      note: "~10,000 tools = the 527-tool catalog 19 times, names suffixed. Target: p50 ≤ 1 ms at 10,000 tools.",
    },
  ],
);
process.exit(0);
