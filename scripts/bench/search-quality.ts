/**
 * Search quality: recall@1/5/10, hit@1/5/10 and MRR of gateway_search_tools on the LiveMCPBench catalog
 * (527 tools, 70 fixture backends) for the 95 LiveMCPBench tasks, our own labelled query set and three
 * held-out sets (data/queries-heldout*.json; -v2 is issue 14's and -v4 a later one, both of four kinds), and on the GitHub REST catalog
 * (1,221 tools, lib/github-catalog.ts; always in-process) for data/queries-github.json and the held-out v3 set
 * (data/queries-heldout-v3.json, four kinds), and two dev sets that tuning may read (data/queries-dev-paraphrase.json
 * over LiveMCPBench, data/queries-dev-github.json over GitHub), against a naive keyword baseline.
 *
 * Run: bun scripts/bench/search-quality.ts            through the real gateway (SDK Client → stdio gateway)
 *      bun scripts/bench/search-quality.ts --in-process   same index built in-process (fast loop for tuning)
 *      add --misses to print the queries whose first relevant tool is not in the top 5
 *      add --semantic to add words + meaning (the local sentence encoder fused by RRF, in-process; tool vectors
 *        cached in node_modules/.cache/mcp-gateway-vectors, the first run embeds ~1,750 tools: minutes),
 *        or --embeddings-url URL --embeddings-model M for an OpenAI-compatible endpoint instead;
 *        --fusion-k N and --semantic-weight W override the fusion defaults (tune on dev sets only)
 */
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { httpEmbedder, localEmbedder } from "../../src/catalog/embedder.ts";
import type { RankerFactory } from "../../src/catalog/ranker.ts";
import { FUSION, ToolSearch } from "../../src/catalog/search.ts";
import { ToolVectors } from "../../src/catalog/vectors.ts";
import { type CatalogServer, loadCatalog } from "../../test/fixtures/catalog-server.ts";
import { naiveSearch, type Ranked } from "./lib/baseline.ts";
import { githubServers } from "./lib/github-catalog.ts";
import {
  inProcessCatalog,
  isRelevant,
  type LabelledQuery,
  liveMcpBenchTasks,
  ownQueries,
} from "./lib/livemcpbench.ts";
import { connectStdio, gatewayStdioSpec, writeConfig } from "./lib/mcp.ts";
import { ROOT } from "./lib/paths.ts";
import { publish, type Row } from "./lib/report.ts";
import { liveMcpBenchBackends } from "./lib/servers.ts";
import { mean, round } from "./lib/stats.ts";

const inProcess = process.argv.includes("--in-process");
const flag = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const embeddingsUrl = flag("embeddings-url");
const semantic = process.argv.includes("--semantic") || embeddingsUrl !== undefined;
const showMisses = process.argv.includes("--misses");
const DEPTH = 50; // the meta-tool's maximum limit; ranks beyond it count as "not found" for MRR

type SearchFn = (query: string) => Promise<Ranked[]>;

interface Scored {
  q: string;
  kind: string;
  relevant: number;
  firstRank: number | null;
  found: Record<1 | 5 | 10, number>;
  top: string[];
}

function score(query: LabelledQuery, ranked: Ranked[]): Scored {
  let firstRank: number | null = null;
  const found = { 1: 0, 5: 0, 10: 0 } as Record<1 | 5 | 10, number>;
  const seen = new Set<string>();
  ranked.forEach((r, i) => {
    const label = query.relevant.find((l) => isRelevant([l], r.server, r.tool));
    if (label === undefined) return;
    firstRank ??= i + 1;
    if (seen.has(label)) return;
    seen.add(label);
    for (const k of [1, 5, 10] as const) if (i < k) found[k]++;
  });
  return {
    q: query.q,
    kind: query.kind,
    relevant: query.relevant.length,
    firstRank,
    found,
    top: ranked.slice(0, 5).map((r) => `${r.server}/${r.tool}`),
  };
}

interface Metrics {
  queries: number;
  "recall@1": number;
  "recall@5": number;
  "recall@10": number;
  "hit@1": number;
  "hit@5": number;
  "hit@10": number;
  MRR: number;
}

function metrics(scored: Scored[]): Metrics {
  const recall = (k: 1 | 5 | 10): number => round(mean(scored.map((s) => s.found[k] / s.relevant)));
  const hit = (k: number): number =>
    round(mean(scored.map((s) => (s.firstRank !== null && s.firstRank <= k ? 1 : 0))));
  return {
    queries: scored.length,
    "recall@1": recall(1),
    "recall@5": recall(5),
    "recall@10": recall(10),
    "hit@1": hit(1),
    "hit@5": hit(5),
    "hit@10": hit(10),
    MRR: round(mean(scored.map((s) => (s.firstRank ? 1 / s.firstRank : 0)))),
  };
}

async function run(queries: LabelledQuery[], search: SearchFn): Promise<Scored[]> {
  const out: Scored[] = [];
  for (const query of queries) out.push(score(query, await search(query.q)));
  return out;
}

const servers = loadCatalog();
const tasks = liveMcpBenchTasks(servers).filter((t) => t.relevant.length > 0);
const skipped = 95 - tasks.length;
const unknownGold = liveMcpBenchTasks(servers).flatMap((t) => t.unknown ?? []);
const own = ownQueries();
const heldOut = ownQueries("queries-heldout");
const heldOutNames = ownQueries("queries-heldout-names");
const heldOutV2 = ownQueries("queries-heldout-v2");
const githubQueries = ownQueries("queries-github");
const heldOutV3 = ownQueries("queries-heldout-v3");
const heldOutV4 = ownQueries("queries-heldout-v4");
// Development sets written for issue 14's general-resource change: tuning may read them query by query.
const devParaphrase = ownQueries("queries-dev-paraphrase");
const devGithub = ownQueries("queries-dev-github");

const naive = naiveSearch(servers);
// The GitHub catalog is not served behind the gateway here: its set runs in-process, under the same names.
const github = githubServers();
const naiveGithub = naiveSearch(github);
interface System {
  name: string;
  search: SearchFn;
  /** The same engine over the GitHub catalog. */
  github: SearchFn;
}
const systems: System[] = [
  {
    name: "naive keyword baseline",
    search: async (q) => naive(q, DEPTH),
    github: async (q) => naiveGithub(q, DEPTH),
  },
];

// The engine the gateway runs; any other ToolRanker can be measured in-process the same way.
const makeRanker: RankerFactory = (catalog) => new ToolSearch(catalog);
const searchWith =
  (ranker: ReturnType<RankerFactory>): SearchFn =>
  async (q) =>
    ranker.search(q, DEPTH).map((m) => ({ server: m.entry.server, tool: m.entry.tool.name }));
const inProcessSearch = searchWith(makeRanker(inProcessCatalog(servers)));
const githubSearch = searchWith(makeRanker(inProcessCatalog(github)));

let gateway: Client | undefined;
if (inProcess) {
  systems.push({ name: "gateway search (in-process index)", search: inProcessSearch, github: githubSearch });
} else {
  const t0 = performance.now();
  gateway = await connectStdio(gatewayStdioSpec(writeConfig(liveMcpBenchBackends())));
  const listed = (await gateway.callTool({ name: "gateway_list_servers", arguments: {} }))
    .structuredContent as {
    servers: Array<{ tools: number }>;
  };
  const tools = listed.servers.reduce((n, s) => n + s.tools, 0);
  console.error(
    `gateway up with ${listed.servers.length} backends, ${tools} tools in ${Math.round(performance.now() - t0)} ms`,
  );
  if (tools !== 527) throw new Error(`expected 527 tools behind the gateway, saw ${tools}`);
  const client = gateway;
  systems.push({
    name: "gateway_search_tools (real gateway)",
    search: async (query) => {
      const result = await client.callTool({
        name: "gateway_search_tools",
        arguments: { query, limit: DEPTH },
      });
      const { matches } = result.structuredContent as { matches: Array<{ server: string; tool: string }> };
      return matches.map((m) => ({ server: m.server, tool: m.tool }));
    },
    github: githubSearch,
  });
}

let closeEmbedder = (): void => {};
if (semantic) {
  const embedder = embeddingsUrl
    ? httpEmbedder({ url: embeddingsUrl, model: flag("embeddings-model") ?? "nomic-embed-text" })
    : localEmbedder();
  closeEmbedder = () => embedder.close();
  const fusion = {
    k: Number(flag("fusion-k") ?? FUSION.k),
    semanticWeight: Number(flag("semantic-weight") ?? FUSION.semanticWeight),
    depth: FUSION.depth,
  };
  const fused = async (catalogServers: CatalogServer[]): Promise<SearchFn> => {
    const catalog = inProcessCatalog(catalogServers);
    const t0 = performance.now();
    const vectors = new ToolVectors(catalog, embedder, {
      cacheDir: join(ROOT, "node_modules/.cache/mcp-gateway-vectors"),
      onError: (message) => console.error(message),
    });
    await vectors.fill();
    if (!vectors.matrix()) throw new Error("tool vectors could not be computed");
    console.error(`tool vectors ready in ${Math.round(performance.now() - t0)} ms (${embedder.id})`);
    const ranker = new ToolSearch(catalog, { vectors, fusion });
    return async (q) =>
      (await ranker.searchAsync(q, DEPTH)).map((m) => ({ server: m.entry.server, tool: m.entry.tool.name }));
  };
  systems.push({
    name: `words + meaning (RRF k=${fusion.k}, w=${fusion.semanticWeight})`,
    search: await fused(servers),
    github: await fused(github),
  });
}

const sets: Array<[string, LabelledQuery[]]> = [
  ["LiveMCPBench (95 tasks)", tasks],
  [`own set (${own.length} queries)`, own],
  [`held-out set (${heldOut.length}, written after tuning)`, heldOut],
  [`held-out names set (${heldOutNames.length}, identifiers + natural)`, heldOutNames],
  [`held-out v2 (${heldOutV2.length}, issue 14, four kinds)`, heldOutV2],
  [`held-out v4 (${heldOutV4.length}, four kinds, before general resources)`, heldOutV4],
  [`GitHub set (${githubQueries.length}, 1,221-tool catalog)`, githubQueries],
  [`GitHub held-out v3 (${heldOutV3.length}, four kinds)`, heldOutV3],
  [`dev paraphrases (${devParaphrase.length}, may be tuned on)`, devParaphrase],
  [`GitHub dev set (${devGithub.length}, four kinds, may be tuned on)`, devGithub],
];
/** The systems a set runs on: the GitHub set has its own catalog. */
const systemsFor = (setName: string): Array<{ name: string; search: SearchFn }> =>
  setName.startsWith("GitHub") ? systems.map((s) => ({ name: s.name, search: s.github })) : systems;
const rows: Row[] = [];
const byKind: Row[] = [];
const detail: Record<string, Record<string, Scored[]>> = {};
for (const [setName, queries] of sets) {
  for (const system of systemsFor(setName)) {
    const scored = await run(queries, system.search);
    detail[setName] ??= {};
    detail[setName][system.name] = scored;
    rows.push({ set: setName, system: system.name, ...metrics(scored) });
    if (!setName.startsWith("LiveMCPBench")) {
      // Identifier queries also by how they spell the name (exact, server/tool, prefix …).
      const groups = [
        ...new Set(queries.flatMap((q) => (q.form ? [q.kind, `${q.kind}: ${q.form}`] : [q.kind]))),
      ];
      for (const kind of groups) {
        const m = metrics(
          scored.filter((s, i) => s.kind === kind || `${s.kind}: ${queries[i]?.form}` === kind),
        );
        byKind.push({
          set: setName.split(" (")[0],
          system: system.name,
          kind,
          queries: m.queries,
          "hit@1": m["hit@1"],
          "hit@5": m["hit@5"],
          MRR: m.MRR,
        });
      }
    }
  }
}

// The in-process index must rank exactly like the gateway; otherwise tuning in-process would mislead.
let agreement: boolean | undefined;
if (gateway) {
  const gw = systems[1] as System;
  agreement = true;
  for (const q of [...tasks, ...own, ...heldOut, ...heldOutNames, ...heldOutV2, ...heldOutV4]) {
    const [a, b] = [await gw.search(q.q), await inProcessSearch(q.q)];
    if (JSON.stringify(a) !== JSON.stringify(b)) {
      agreement = false;
      console.error(`in-process ranking differs from the gateway for: ${q.q}`);
      break;
    }
  }
  await gateway.close();
}

if (showMisses) {
  const last = systems[systems.length - 1] as System;
  for (const [setName] of sets) {
    console.log(`\n--- misses (first relevant rank > 5) in ${setName}, ${last.name}`);
    for (const s of detail[setName]?.[last.name] ?? []) {
      if (s.firstRank !== null && s.firstRank <= 5) continue;
      console.log(
        `[${s.kind}] rank=${s.firstRank ?? "-"} ${s.q.slice(0, 110)}\n    top: ${s.top.join(", ")}`,
      );
    }
  }
}

publish(
  "search-quality",
  `bun scripts/bench/search-quality.ts${inProcess ? " --in-process" : ""}`,
  {
    depth: DEPTH,
    livemcpbench: {
      tasksScored: tasks.length,
      tasksWithoutKnownGold: skipped,
      goldNotInCatalog: unknownGold,
    },
    inProcessAgreesWithGateway: agreement ?? null,
    detail,
  },
  [
    {
      title:
        "Search quality (recall@k = share of a query's relevant tools in the top k; hit@k = at least one; MRR over the top 50)",
      rows,
      note:
        `LiveMCPBench gold tools missing from the catalog (not scored): ${unknownGold.join(", ") || "none"}. ` +
        `Tasks with no scorable gold: ${skipped}.` +
        (agreement === undefined ? "" : ` In-process index ranks identically to the gateway: ${agreement}.`),
    },
    { title: "Own and held-out query sets by kind", rows: byKind },
  ],
);
closeEmbedder();
process.exit(0);
