/**
 * Firewall bench (issue 13): detection per kind on a written attack corpus, false positives on real benign
 * catalogs, and what scanning + redaction add to one call with a 10 kB result.
 *
 * Run: bun scripts/bench/firewall.ts [--quick]   (--quick: fewer timing rounds, no live npm servers)
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { checkArguments } from "../../src/firewall/arguments.ts";
import { CredentialScanner } from "../../src/firewall/credentials.ts";
import { guardedFetch } from "../../src/firewall/guarded-fetch.ts";
import { toolHash } from "../../src/firewall/pins.ts";
import { catalogView, scanTool } from "../../src/firewall/poisoning.ts";
import { redactResult } from "../../src/firewall/result-scan.ts";
import { loadCatalog } from "../../test/fixtures/catalog-server.ts";
import { githubServers } from "./lib/github-catalog.ts";
import { connectStdio } from "./lib/mcp.ts";
import { BENCH_DIR } from "./lib/paths.ts";
import { publish, type Row } from "./lib/report.ts";
import { tenServers } from "./lib/servers.ts";

const quick = process.argv.includes("--quick");

interface Case {
  id: string;
  kind: string;
  tool?: Tool;
  others?: { server: string; tool: string }[];
  expect?: string;
  result?: Record<string, unknown>;
  before?: Tool;
  after?: Tool;
  arguments?: Record<string, unknown>;
  /** `paths.root` for an argument case. */
  root?: string;
  /** A redirect target a server sends (SSRF cases), and the DNS answers of its names. */
  redirect?: string;
  dns?: Record<string, string[]>;
}

const corpus = JSON.parse(readFileSync(join(BENCH_DIR, "data", "firewall", "attacks.json"), "utf8")) as {
  cases: Case[];
};
const scanner = new CredentialScanner();

/**
 * The SSRF guard on one redirect, end to end: a trusted server answers 302 to the case's target; caught
 * means the guard refused before a second request left. Names resolve from the case's DNS table only.
 */
async function ssrfVerdict(c: Case): Promise<{ hit: boolean; how: string }> {
  let requests = 0;
  const fetcher = guardedFetch({
    settings: { policy: "block", allowPrivateNetworks: false, allowHosts: [] },
    subject: "bench",
    trusted: (url) => url.hostname === "api.trusted.example",
    lookup: async (host) => {
      const answer = c.dns?.[host];
      if (!answer) throw new Error(`no DNS answer for ${host} in the corpus`);
      return answer;
    },
    fetch: async () => {
      requests++;
      return requests === 1
        ? new Response(null, { status: 302, headers: { location: c.redirect ?? "" } })
        : new Response("reached");
    },
  });
  try {
    await fetcher("https://api.trusted.example/start");
    return { hit: false, how: "followed" };
  } catch (error) {
    const refused = (error as { finding?: { addressClass?: string } }).finding?.addressClass;
    return { hit: refused !== undefined && requests === 1, how: refused ?? (error as Error).message };
  }
}

const ssrfResults = new Map<string, { hit: boolean; how: string }>();
for (const c of corpus.cases) if (c.redirect) ssrfResults.set(c.id, await ssrfVerdict(c));

/** True when the firewall catches the case; `how` names the rule or kind that did. */
function detect(c: Case): { hit: boolean; how: string } {
  if (c.redirect) {
    const verdict = ssrfResults.get(c.id) ?? { hit: false, how: "not run" };
    return c.kind === "benign-ssrf" ? { hit: verdict.how !== "followed", how: verdict.how } : verdict;
  }
  if (c.arguments) {
    const rules = [...new Set(checkArguments(c.tool, c.arguments, { root: c.root }).map((f) => f.rule))];
    const hit = c.kind === "benign-argument" ? rules.length > 0 : rules.includes(c.expect ?? "");
    return { hit, how: rules.join(" ") };
  }
  if (c.tool) {
    const others = (c.others ?? []).map((o) => ({
      server: o.server,
      tool: { name: o.tool, inputSchema: { type: "object" as const } },
    }));
    const view = catalogView([...others, { server: "suspect", tool: c.tool }]);
    const findings = scanTool(c.tool, "suspect", view);
    return { hit: findings.length > 0, how: [...new Set(findings.map((f) => f.rule))].join(" ") };
  }
  if (c.result) {
    const { result, found } = redactResult(c.result, scanner);
    const kinds = [...new Set(found.map((f) => f.kind))];
    // Caught means: the expected kind named, and its marker in what the client gets.
    const marked = JSON.stringify(result).includes(`[REDACTED:${c.expect}]`);
    return { hit: kinds.includes(c.expect ?? "") && marked, how: kinds.join(" ") };
  }
  if (c.before && c.after) {
    const changed = toolHash(c.before) !== toolHash(c.after);
    // Key order is not a change: the same definition with every object's keys reversed hashes the same.
    const reordered = toolHash(c.before) === toolHash(reverseKeys(c.before) as Tool);
    return { hit: changed && reordered, how: changed ? "hash changed" : "" };
  }
  return { hit: false, how: "no input" };
}

function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([k, v]) => [k, reverseKeys(v)]),
    );
  }
  return value;
}

const byKind = new Map<string, { total: number; caught: number; missed: string[] }>();
const attacks = corpus.cases.filter((c) => !c.kind.startsWith("benign-"));
const benignArguments = corpus.cases.filter((c) => c.kind === "benign-argument");
const argumentFlags = benignArguments.filter((c) => detect(c).hit);
const benignSsrf = corpus.cases.filter((c) => c.kind === "benign-ssrf");
const ssrfFlags = benignSsrf.filter((c) => detect(c).hit);
for (const c of attacks) {
  const row = byKind.get(c.kind) ?? { total: 0, caught: 0, missed: [] };
  const { hit } = detect(c);
  row.total++;
  if (hit) row.caught++;
  else row.missed.push(c.id);
  byKind.set(c.kind, row);
}
const detectionRows: Row[] = [...byKind].map(([kind, r]) => ({
  kind,
  cases: r.total,
  caught: r.caught,
  "detection %": Math.round((1000 * r.caught) / r.total) / 10,
  missed: r.missed.join(" ") || "-",
}));
const total = attacks.length;
const caught = [...byKind.values()].reduce((n, r) => n + r.caught, 0);
detectionRows.push({
  kind: "all",
  cases: total,
  caught,
  "detection %": Math.round((1000 * caught) / total) / 10,
  missed: "",
});

// Secret kinds, one row each.
const secretRows: Row[] = [];
const secretKinds = new Map<string, { total: number; caught: number }>();
for (const c of corpus.cases.filter((c) => c.kind === "secret")) {
  const row = secretKinds.get(c.expect ?? "?") ?? { total: 0, caught: 0 };
  row.total++;
  if (detect(c).hit) row.caught++;
  secretKinds.set(c.expect ?? "?", row);
}
for (const [kind, r] of secretKinds) secretRows.push({ secret: kind, cases: r.total, caught: r.caught });

// False positives: every definition of real catalogs through the poisoning scan, with the whole catalog as
// context (shadowing), and every description through the credential scanner.
interface Flag {
  catalog: string;
  server: string;
  tool: string;
  rules: string;
  span: string;
}
function falsePositives(
  name: string,
  servers: { name: string; tools: Tool[] }[],
): { tools: number; flags: Flag[] } {
  const entries = servers.flatMap((s) => s.tools.map((tool) => ({ server: s.name, tool })));
  const view = catalogView(entries);
  const flags: Flag[] = [];
  for (const { server, tool } of entries) {
    const findings = scanTool(tool, server, view);
    const secrets = scanner.scan(JSON.stringify(tool));
    if (findings.length === 0 && secrets.length === 0) continue;
    flags.push({
      catalog: name,
      server,
      tool: tool.name,
      rules: [...new Set([...findings.map((f) => f.rule), ...secrets.map((s) => `secret.${s.kind}`)])].join(
        " ",
      ),
      span: findings[0]?.span ?? secrets[0]?.kind ?? "",
    });
  }
  return { tools: entries.length, flags };
}
const catalogs = [
  ["LiveMCPBench", loadCatalog().map((s) => ({ name: s.key, tools: s.tools }))],
  ["GitHub OpenAPI import", githubServers().map((s) => ({ name: s.key, tools: s.tools }))],
] as const;
/** The ten npm servers' live tool lists (skipping, and naming, any that is not installed or fails to list). */
async function tenServerTools(): Promise<{ name: string; tools: Tool[] }[]> {
  const out: { name: string; tools: Tool[] }[] = [];
  for (const [name, spec] of Object.entries(tenServers())) {
    try {
      const client = await connectStdio(spec, "firewall-bench");
      const deadline = AbortSignal.timeout(60_000);
      const { tools } = await client.listTools(undefined, { signal: deadline });
      out.push({ name, tools });
      await client.close();
    } catch (error) {
      console.log(`ten servers: ${name} skipped (${(error as Error).message})`);
    }
  }
  return out;
}
const liveCatalogs: (readonly [string, { name: string; tools: Tool[] }[]])[] = quick
  ? []
  : [["ten npm servers", await tenServerTools()]];
const fpRows: Row[] = [];
const flagRows: Row[] = [];
for (const [name, servers] of [...catalogs, ...liveCatalogs]) {
  const { tools, flags } = falsePositives(name, servers as { name: string; tools: Tool[] }[]);
  fpRows.push({
    catalog: name,
    tools,
    flagged: flags.length,
    "flagged %": Math.round((1000 * flags.length) / tools) / 10,
  });
  flagRows.push(...flags.map((f) => ({ ...f })));
}

// Cost: redaction of a 10 kB result without secrets (the common case) and with a few, plus one scan of a definition.
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}
function time(fn: () => void, rounds: number): number {
  for (let i = 0; i < 200; i++) fn();
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = Bun.nanoseconds();
    fn();
    samples.push((Bun.nanoseconds() - start) / 1e6);
  }
  return median(samples);
}
const prose = "The quick brown fox jumps over the lazy dog while the build runs on main, version 1.2.3. ";
const clean10k = {
  content: [{ type: "text", text: prose.repeat(Math.ceil(10_240 / prose.length)).slice(0, 10_240) }],
};
const dirtyText = `${prose.repeat(60)} AKIAIOSFODNN7EXAMPLE ${prose.repeat(40)} password=hunter2hunter2 ${prose.repeat(10)}`;
const dirty10k = { content: [{ type: "text", text: dirtyText.slice(0, 10_240) }] };
const jsonish = {
  content: [
    {
      type: "text",
      text: JSON.stringify(loadCatalog()[0]?.tools ?? [])
        .slice(0, 10_240)
        .padEnd(10_240, " "),
    },
  ],
};
const rounds = quick ? 500 : 5000;
const logLine = `[debug] [github] ${prose.repeat(3)}`.slice(0, 200);
async function timeAsync(fn: () => Promise<unknown>, count: number): Promise<number> {
  for (let i = 0; i < 200; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = Bun.nanoseconds();
    await fn();
    samples.push((Bun.nanoseconds() - start) / 1e6);
  }
  return median(samples);
}
// A trusted host answering 302 to a public literal address, whose answer then arrives: two stub requests.
const publicRedirect = guardedFetch({
  settings: { policy: "block", allowPrivateNetworks: false, allowHosts: [] },
  subject: "bench",
  trusted: (url) => url.hostname === "api.trusted.example",
  fetch: async (url) =>
    url.startsWith("https://api.trusted.example")
      ? new Response(null, { status: 302, headers: { location: "https://93.184.216.34/next" } })
      : new Response("ok"),
});
const sampleTool = loadCatalog()[0]?.tools[0] as Tool;
fpRows.push({
  catalog: "benign call arguments (corpus)",
  tools: benignArguments.length,
  flagged: argumentFlags.length,
  "flagged %": Math.round((1000 * argumentFlags.length) / benignArguments.length) / 10,
});
fpRows.push({
  catalog: "benign redirect targets (corpus, SSRF guard)",
  tools: benignSsrf.length,
  flagged: ssrfFlags.length,
  "flagged %": Math.round((1000 * ssrfFlags.length) / benignSsrf.length) / 10,
});
for (const c of argumentFlags) {
  flagRows.push({
    catalog: "benign arguments",
    server: "",
    tool: c.id,
    rules: detect(c).how,
    span: JSON.stringify(c.arguments),
  });
}
for (const c of ssrfFlags) {
  flagRows.push({
    catalog: "benign redirects",
    server: "",
    tool: c.id,
    rules: detect(c).how,
    span: c.redirect ?? "",
  });
}
const costRows: Row[] = [
  {
    what: "redact 10 kB text result, no secrets",
    "p50 ms": time(() => redactResult(clean10k, scanner), rounds),
  },
  {
    what: "redact 10 kB text result, 2 secrets",
    "p50 ms": time(() => redactResult(dirty10k, scanner), rounds),
  },
  { what: "redact 10 kB JSON text result", "p50 ms": time(() => redactResult(jsonish, scanner), rounds) },
  {
    what: "argument guard on a 5-argument call",
    "p50 ms": time(
      () =>
        checkArguments(sampleTool, {
          path: "src/a.ts",
          command: "npm test",
          sql: "select 1",
          url: "https://example.com",
          n: 1,
        }),
      rounds,
    ),
  },
  {
    what: "argument guard with paths.root on a 5-argument call",
    "p50 ms": time(
      () =>
        checkArguments(
          sampleTool,
          { path: "src/a.ts", command: "npm test", sql: "select 1", url: "https://example.com", n: 1 },
          { root: "/srv/app" },
        ),
      rounds,
    ),
  },
  {
    what: "redact one 200-byte log line (no secret)",
    "p50 ms": time(() => scanner.redact(logLine), rounds),
  },
  {
    what: "SSRF guard: a redirect to a public address checked and followed (stub fetch, no DNS)",
    "p50 ms": await timeAsync(() => publicRedirect("https://api.trusted.example/start"), rounds),
  },
  {
    what: "hash + poisoning scan of one definition",
    "p50 ms": time(() => {
      toolHash(sampleTool);
      scanTool(sampleTool, "x");
    }, rounds),
  },
];

publish(
  "firewall",
  `bun scripts/bench/firewall.ts${quick ? " --quick" : ""}`,
  {
    corpus: total,
    detection: Object.fromEntries(
      [...byKind].map(([k, r]) => [k, { total: r.total, caught: r.caught, missed: r.missed }]),
    ),
    falsePositives: fpRows,
    flags: flagRows,
    targets: { detectionMinPct: 95, falsePositiveMaxPct: 1, costMaxMs: 0.2 },
  },
  [
    {
      title: `Detection on the attack corpus (${total} attack cases, scripts/bench/data/firewall/attacks.json)`,
      rows: detectionRows,
    },
    {
      title: "Secrets in results, by kind (caught = its kind named and its marker in what the client gets)",
      rows: secretRows,
    },
    {
      title:
        "False positives: benign catalogs (poisoning rules + credential shapes in definitions) and benign call arguments",
      rows: fpRows,
      note:
        'The first run flagged 2 of the ten servers\' 174 tools (context7: "Do not include any … API keys"); ' +
        "negated verbs were then exempted, so that row is no longer a held-out figure. LiveMCPBench and GitHub were 0 before and after. " +
        "The first paths.root run flagged benign-argument-034 (`data/../data/rows.csv`, path.traversal): with a root, `..` is now judged by where it leads. " +
        "The first SSRF run missed ssrf-039/040, written as raw non-ASCII Location headers, which fetch refuses as header values; they are now percent-encoded UTF-8 as a server sends them.",
    },
    {
      title: "Every flagged benign tool",
      rows:
        flagRows.length > 0 ? flagRows : [{ catalog: "(none)", server: "", tool: "", rules: "", span: "" }],
      note: "Target: at most 1% of tools flagged.",
    },
    {
      title: "Cost per call (median)",
      rows: costRows,
      note: "Target: at most 0.2 ms added on a 10 kB result.",
    },
  ],
);
process.exit(0);
