/**
 * What the semantic signal costs: query embedding (local sentence encoder in its worker), words-only and fused
 * search latency at 527 and ~10,000 tools, model start-up and RSS with vectors on. Tool vectors at 10,000 tools
 * come from a stand-in embedder of the same dimension (embedding 10,000 descriptions takes ~10 minutes; the
 * query-time cost depends only on the count); the 527 ones are the real model's (cached as in search-quality).
 *
 * Run: bun scripts/bench/search-semantic-cost.ts [--queries 60]
 */
import { join } from "node:path";
import { type Embedder, localEmbedder, normalize } from "../../src/catalog/embedder.ts";
import { ToolSearch } from "../../src/catalog/search.ts";
import { ToolVectors } from "../../src/catalog/vectors.ts";
import { loadCatalog } from "../../test/fixtures/catalog-server.ts";
import { inProcessCatalog, ownQueries, syntheticServers } from "./lib/livemcpbench.ts";
import { ROOT } from "./lib/paths.ts";
import { publish } from "./lib/report.ts";
import { percentile, round } from "./lib/stats.ts";

const i = process.argv.indexOf("--queries");
const QUERIES = Number(i > 0 ? process.argv[i + 1] : 60);
const rss = (): number => Math.round(process.memoryUsage().rss / 2 ** 20);
const queries = [...ownQueries("queries"), ...ownQueries("queries-heldout-names")]
  .map((q) => q.q)
  .slice(0, QUERIES);

const rssBefore = rss();
const local = localEmbedder();
let t0 = performance.now();
await local.embed(["warm up"]);
const modelLoadMs = Math.round(performance.now() - t0);

async function timed(fn: (q: string) => Promise<unknown>): Promise<{ p50: number; p99: number }> {
  const times: number[] = [];
  for (const q of queries) {
    const t = performance.now();
    await fn(q);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { p50: round(percentile(times, 50)), p99: round(percentile(times, 99)) };
}

const embedQuery = await timed((q) => local.embed([`${q} (embed)`]));

/** Stand-in tool vectors of the model's dimension, so 10,000 tools cost no model time. */
const standIn: Embedder = {
  id: "stand-in-512",
  async embed(texts) {
    return texts.map((text) => {
      const v = new Float32Array(512);
      for (let c = 0; c < text.length; c++) {
        const d = (text.charCodeAt(c) * 31 + c) % 512;
        v[d] = (v[d] as number) + 1;
      }
      return normalize(v);
    });
  },
  close() {},
};
/** Tools from `toolEmbedder`, queries from the real model. */
const mixed = (toolEmbedder: Embedder): Embedder => ({
  id: toolEmbedder.id,
  embed: (texts) =>
    texts.length === 1 && queries.includes(texts[0] as string)
      ? local.embed(texts)
      : toolEmbedder.embed(texts),
  close() {},
});

const rows = [];
for (const [label, servers, toolEmbedder] of [
  ["527 tools (real vectors)", loadCatalog(), local],
  ["10,019 tools (stand-in tool vectors)", syntheticServers(19), standIn],
] as const) {
  const catalog = inProcessCatalog(servers);
  const vectors = new ToolVectors(catalog, toolEmbedder === local ? local : mixed(toolEmbedder), {
    cacheDir: join(ROOT, "node_modules/.cache/mcp-gateway-vectors"),
    queryCache: 0,
  });
  t0 = performance.now();
  await vectors.fill();
  const fillMs = Math.round(performance.now() - t0);
  const words = new ToolSearch(catalog);
  const fused = new ToolSearch(catalog, { vectors });
  words.search("warm", 5);
  fused.search("warm", 5);
  const lexical = await timed(async (q) => words.search(q, 5));
  const both = await timed((q) => fused.searchAsync(q, 5));
  rows.push({
    catalog: label,
    "words p50 ms": lexical.p50,
    "words p99 ms": lexical.p99,
    "fused p50 ms": both.p50,
    "fused p99 ms": both.p99,
    "vectors ready ms": fillMs,
    "RSS MiB": rss(),
  });
}
local.close();

publish(
  "search-semantic-cost",
  "bun scripts/bench/search-semantic-cost.ts",
  { modelLoadMs, embedQuery, rssBefore, rows },
  [
    {
      title: "Semantic search cost (query embedding in the worker + cosine over all tools + RRF)",
      rows,
      note: `Model start-up (worker + weights + first call): ${modelLoadMs} ms. One query embedded: p50 ${embedQuery.p50} ms, p99 ${embedQuery.p99} ms (${queries.length} distinct queries, no query cache). RSS before the model: ${rssBefore} MiB. "vectors ready" at 527 tools is a warm disk cache.`,
    },
  ],
);
process.exit(0);
