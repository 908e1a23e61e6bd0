import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import type { CatalogEntry } from "../../../src/catalog/catalog.ts";
import type { SearchSource } from "../../../src/catalog/ranker.ts";
import { type CatalogServer, loadCatalog } from "../../../test/fixtures/catalog-server.ts";
import { BENCH_DIR, SHARED_DATA } from "./paths.ts";

/** One labelled query: any tool in `relevant` answers it (`name` on any server, or `server/name`). */
export interface LabelledQuery {
  q: string;
  kind: string;
  relevant: string[];
  /** LiveMCPBench gold tools that the catalog does not contain (reported, not scored). */
  unknown?: string[];
  /** How an identifier query spells the name (exact, server/tool, case/separator, prefix …). */
  form?: string;
}

/** The 95 LiveMCPBench tasks: the question is the query, the annotated tools are the labels. */
export function liveMcpBenchTasks(catalog: readonly CatalogServer[] = loadCatalog()): LabelledQuery[] {
  const known = new Set(catalog.flatMap((s) => s.tools.map((t) => t.name)));
  const raw = JSON.parse(readFileSync(join(SHARED_DATA, "all_annotations.json"), "utf8")) as Array<{
    Question: string;
    category: string;
    "Annotator Metadata": { Tools: string };
  }>;
  return raw.map((task) => {
    const names = [
      ...new Set(
        task["Annotator Metadata"].Tools.split("\n")
          .map((line) => line.replace(/^\s*\d+\s*[.)、]\s*/, "").trim())
          .filter(Boolean),
      ),
    ];
    return {
      q: task.Question,
      kind: task.category,
      relevant: names.filter((n) => known.has(n)),
      unknown: names.filter((n) => !known.has(n)),
    };
  });
}

/** A labelled query set of ours in scripts/bench/data/. */
export type OwnSet =
  | "queries"
  | "queries-heldout"
  | "queries-heldout-names"
  | "queries-heldout-v2"
  | "queries-heldout-v3"
  | "queries-heldout-v4"
  | "queries-dev-paraphrase"
  | "queries-dev-github"
  | "queries-github";

/**
 * Our own labelled set (`queries`), the held-out one written after tuning (`queries-heldout`), or the
 * identifier + natural held-out set written before exact names were ranked first (`queries-heldout-names`),
 * issue 14's held-out set of the four kinds (`queries-heldout-v2`) or the GitHub-catalog set (`queries-github`,
 * over `github-catalog.ts`'s tools), both written before the semantic signal, or held-out v3 (`queries-heldout-v3`,
 * over the GitHub catalog too, written before the synonym replacement), or held-out v4 (`queries-heldout-v4`, over
 * LiveMCPBench, four kinds, written before the general-resource ranking change).
 */
export function ownQueries(set: OwnSet = "queries"): LabelledQuery[] {
  const file = JSON.parse(readFileSync(join(BENCH_DIR, `data/${set}.json`), "utf8")) as {
    queries: LabelledQuery[];
  };
  return file.queries;
}

/** The catalog's entries built in-process from fixture data (no backends spawned): fast, exact search runs. */
export function inProcessCatalog(servers: readonly CatalogServer[] = loadCatalog()): SearchSource {
  const entries: CatalogEntry[] = servers.flatMap((s) =>
    s.tools.map((tool) => ({ server: s.key, serverDescription: s.description, tool })),
  );
  return { version: 0, entries: () => entries };
}

/** `copies` × the catalog as separate servers (`<key>-<n>`), for search at 10,000 tools. */
export function syntheticServers(
  copies: number,
  servers: readonly CatalogServer[] = loadCatalog(),
): CatalogServer[] {
  const out: CatalogServer[] = [];
  for (let n = 1; n <= copies; n++) {
    for (const s of servers) {
      const tools: Tool[] = n === 1 ? s.tools : s.tools.map((t) => ({ ...t, name: `${t.name}_${n}` }));
      out.push({ ...s, key: n === 1 ? s.key : `${s.key}-${n}`, tools });
    }
  }
  return out;
}

/** Whether a (server, tool) result answers a label list. */
export function isRelevant(relevant: readonly string[], server: string, tool: string): boolean {
  return relevant.some((label) => label === tool || label === `${server}/${tool}`);
}

/** One labelled set with the catalog it runs on and whether it judges (held-out) or may steer (dev). */
export interface SearchSet {
  name: string;
  queries: LabelledQuery[];
  catalog: SearchSource;
  heldOut: boolean;
}

/**
 * Every labelled set of the search benches over in-process catalogs: the dev sets (LiveMCPBench tasks, own,
 * held-out 25, names, and issue 14's dev paraphrases and GitHub dev set: tuning may look at them) and the
 * held-out sets (v2, v4, GitHub, v3: never tuned on).
 */
export function searchSets(
  servers: readonly CatalogServer[],
  github: SearchSource,
): { sets: SearchSet[]; catalogs: SearchSource[] } {
  const live = inProcessCatalog(servers);
  const set = (
    name: string,
    queries: LabelledQuery[],
    catalog: SearchSource,
    heldOut: boolean,
  ): SearchSet => ({
    name,
    queries,
    catalog,
    heldOut,
  });
  return {
    catalogs: [live, github],
    sets: [
      set(
        "LiveMCPBench",
        liveMcpBenchTasks(servers).filter((t) => t.relevant.length > 0),
        live,
        false,
      ),
      set("own set", ownQueries(), live, false),
      set("held-out set", ownQueries("queries-heldout"), live, false),
      set("held-out names set", ownQueries("queries-heldout-names"), live, false),
      set("held-out v2", ownQueries("queries-heldout-v2"), live, true),
      set("held-out v4", ownQueries("queries-heldout-v4"), live, true),
      set("GitHub set", ownQueries("queries-github"), github, true),
      set("GitHub held-out v3", ownQueries("queries-heldout-v3"), github, true),
      set("dev paraphrases", ownQueries("queries-dev-paraphrase"), live, false),
      set("GitHub dev set", ownQueries("queries-dev-github"), github, false),
    ],
  };
}
