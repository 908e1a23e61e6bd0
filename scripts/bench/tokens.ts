/**
 * Context tokens: what a client pays to see the tools, directly vs through the gateway.
 * Run: bun scripts/bench/tokens.ts [--quick]   (--quick: only the example config and the LiveMCPBench catalog)
 * The GitHub REST catalog (1,221 tools, lib/github-catalog.ts) is served by one catalog-fixture backend.
 */

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { githubServers } from "./lib/github-catalog.ts";
import { type BackendSpec, connectStdio, gatewayStdioSpec, writeConfig } from "./lib/mcp.ts";
import { BUN, CATALOG_FIXTURE } from "./lib/paths.ts";
import { publish, type Row } from "./lib/report.ts";
import { exampleBackends, liveMcpBenchBackends, tenServers } from "./lib/servers.ts";
import { median, round } from "./lib/stats.ts";
import { claudeCounter, o200k, serializeTools } from "./lib/tokens.ts";

const quick = process.argv.includes("--quick");
const claude = await claudeCounter();

/** Typical agent queries per set; the search-result cost is the median over them. */
const QUERIES: Record<string, string[]> = {
  example: [
    "add two numbers",
    "read a file",
    "create an entity in the knowledge graph",
    "echo a message",
    "list directory",
  ],
  "ten-servers": [
    "take a screenshot of the page",
    "create a github issue",
    "search notion pages",
    "git commit changes",
    "read a file",
  ],
  livemcpbench: [
    "search the web",
    "get the stock price of a company",
    "create a word document",
    "current weather forecast",
    "convert a document to pdf",
  ],
  github: [
    "get a repository",
    "create an issue comment",
    "list workflow runs",
    "merge a pull request",
    "add a collaborator to a repository",
  ],
};

/** The GitHub catalog behind one catalog-fixture backend (the fixture reads LiveMCPBench's file format). */
function githubBackends(): Record<string, BackendSpec> {
  const [server] = githubServers();
  if (!server) throw new Error("the GitHub catalog is empty");
  const file = join(mkdtempSync(join(tmpdir(), "mcp-gateway-bench-github-")), "tools.json");
  writeFileSync(
    file,
    JSON.stringify([
      { name: server.title, description: server.description, tools: { github: { tools: server.tools } } },
    ]),
  );
  return {
    github: {
      command: `${BUN} ${CATALOG_FIXTURE}`,
      args: ["--server", "github", "--catalog", file],
      description: server.description,
    },
  };
}

async function directTools(backends: Record<string, BackendSpec>): Promise<Tool[]> {
  const lists = await Promise.all(
    Object.values(backends).map(async (spec) => {
      const client = await connectStdio(spec);
      const { tools } = await client.listTools();
      void client.close();
      return tools;
    }),
  );
  return lists.flat();
}

function resultText(result: Awaited<ReturnType<Client["callTool"]>>): string {
  const content = result.content as Array<{ type: string; text?: string }>;
  return content.map((c) => c.text ?? "").join("");
}

interface SetResult {
  set: string;
  backends: number;
  tools: number;
  gatewayCatalog: number;
  direct: { o200k: number; claude: number | null; bytes: number };
  gateway: { o200k: number; claude: number | null; bytes: number; tools: string[] };
  reductionPct: number;
  search: { queries: Array<{ query: string; o200k: number; matches: number }>; medianO200k: number };
  /** gateway_list_tools without a server, every page followed: o200k tokens per page. */
  listing: { pages: number; tools: number; pageO200k: number[] };
}

/** Follows gateway_list_tools (all servers) to its last page, counting each page's tokens. */
async function listingPages(gateway: Client): Promise<SetResult["listing"]> {
  const pageO200k: number[] = [];
  let tools = 0;
  let cursor: string | undefined;
  do {
    const result = await gateway.callTool({
      name: "gateway_list_tools",
      arguments: cursor ? { cursor } : {},
    });
    const page = result.structuredContent as { tools: unknown[]; nextCursor?: string };
    pageO200k.push(o200k(resultText(result)));
    tools += page.tools.length;
    cursor = page.nextCursor;
  } while (cursor !== undefined && pageO200k.length < 10_000);
  return { pages: pageO200k.length, tools, pageO200k };
}

async function measure(set: string, backends: Record<string, BackendSpec>): Promise<SetResult> {
  const direct = await directTools(backends);
  const directText = serializeTools(direct);
  const gateway = await connectStdio(gatewayStdioSpec(writeConfig(backends)));
  const { tools: meta } = await gateway.listTools();
  const metaText = serializeTools(meta);
  const servers = (await gateway.callTool({ name: "gateway_list_servers", arguments: {} }))
    .structuredContent as {
    servers: Array<{ tools: number; status: string }>;
  };
  const gatewayCatalog = servers.servers.reduce((n, s) => n + s.tools, 0);
  const queries = [];
  for (const query of QUERIES[set] ?? []) {
    const result = await gateway.callTool({ name: "gateway_search_tools", arguments: { query } });
    const matches = ((result.structuredContent as { matches?: unknown[] } | undefined)?.matches ?? []).length;
    queries.push({ query, o200k: o200k(resultText(result)), matches });
  }
  const listing = await listingPages(gateway);
  await gateway.close();
  const directTokens = o200k(directText);
  const metaTokens = o200k(metaText);
  return {
    set,
    backends: Object.keys(backends).length,
    tools: direct.length,
    gatewayCatalog,
    direct: {
      o200k: directTokens,
      claude: claude?.(directText) ?? null,
      bytes: Buffer.byteLength(directText),
    },
    gateway: {
      o200k: metaTokens,
      claude: claude?.(metaText) ?? null,
      bytes: Buffer.byteLength(metaText),
      tools: meta.map((t) => t.name),
    },
    reductionPct: round(100 * (1 - metaTokens / directTokens), 2),
    search: { queries, medianO200k: median(queries.map((q) => q.o200k)) },
    listing,
  };
}

const sets: Array<[string, () => Record<string, BackendSpec>]> = [
  ["example", exampleBackends],
  ...(quick ? [] : ([["ten-servers", tenServers]] as Array<[string, () => Record<string, BackendSpec>]>)),
  ["livemcpbench", liveMcpBenchBackends],
  ...(quick ? [] : ([["github", githubBackends]] as Array<[string, () => Record<string, BackendSpec>]>)),
];
const results: SetResult[] = [];
for (const [name, backends] of sets) {
  results.push(await measure(name, backends()));
}

const rows: Row[] = results.map((r) => ({
  set: r.set,
  backends: r.backends,
  tools: r.tools,
  "gateway sees": r.gatewayCatalog,
  "direct o200k": r.direct.o200k,
  "gateway o200k": r.gateway.o200k,
  "reduction %": r.reductionPct,
  "direct claude": r.direct.claude,
  "gateway claude": r.gateway.claude,
  "1 search result o200k (median)": r.search.medianO200k,
}));
const searchRows: Row[] = results.flatMap((r) =>
  r.search.queries.map((q) => ({ set: r.set, query: q.query, matches: q.matches, o200k: q.o200k })),
);
const listingRows: Row[] = results.map((r) => ({
  set: r.set,
  "tools listed": r.listing.tools,
  pages: r.listing.pages,
  "page o200k (median)": median(r.listing.pageO200k),
  "page o200k (max)": Math.max(...r.listing.pageO200k),
  "all pages o200k": r.listing.pageO200k.reduce((a, b) => a + b, 0),
}));
const surface = results[0]?.gateway.o200k ?? Number.NaN;
publish(
  "tokens",
  `bun scripts/bench/tokens.ts${quick ? " --quick" : ""}`,
  { results, metaToolSurfaceO200k: surface, targets: { surfaceMax: 300, reductionMinPct: 99 } },
  [
    {
      title:
        "Context tokens: tools/list as a model API receives it ([{name, description, input_schema}], minified)",
      rows,
      note:
        `Meta-tool surface: ${surface} o200k tokens (target <= 300). ` +
        "Token counts are deterministic, so one run is the median. 'claude' is @anthropic-ai/tokenizer (legacy Claude vocabulary). " +
        "'tools' is what a plain SDK client listing each backend sees; 'gateway sees' can be higher because the gateway " +
        "declares sampling/elicitation to its backends and server-everything then adds 2 tools.",
    },
    { title: "Tokens of one gateway_search_tools result (default limit 5, text content)", rows: searchRows },
    {
      title:
        "gateway_list_tools without a server: every page followed (text content, target <= ~2,000 a page)",
      rows: listingRows,
    },
  ],
);
process.exit(0);
