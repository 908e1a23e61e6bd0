/**
 * Peers side by side: the gateway against supergateway, mcp-proxy (punkpeye), mcp-hub (ravitemer) and
 * mcporter (`mcporter serve`), every one fronting server-everything over stdio, compared on the same
 * transport (Streamable HTTP, legacy SSE, stdio), with the backend served directly as the floor.
 *  (a) relay work per call: tools/call get-sum p50 minus ping p50 on the same SDK client session;
 *  (b) SDK-client throughput: 10 and 50 concurrent client sessions calling get-sum back to back;
 *  (c) idle RSS with 3 backends (examples/gateway.yaml's), relay processes only, backends not counted.
 * Targets are interleaved within each run; figures are medians over runs. Peers not installed
 * (npm install --prefix scripts/bench --ignore-scripts) are skipped with a note.
 * Relay work is timed after `--warmup` call+ping pairs (default 2000) per endpoint: steady state, not a
 * fresh process's first calls.
 * Run: bun scripts/bench/peers.ts [--runs 3] [--calls 300] [--warmup 2000] [--duration 3] [--quick]
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { numberArg } from "./lib/args.ts";
import { type BackendSpec, writeConfig } from "./lib/mcp.ts";
import { bin, ROOT } from "./lib/paths.ts";
import {
  benchBin,
  benchVersion,
  directRelay,
  type Endpoint,
  gatewayRelay,
  mcpHub,
  mcporter,
  mcpProxy,
  type Relay,
  type Running,
  rssMiB,
  supergateway,
  type Transport,
  waitForEndpoint,
} from "./lib/peers.ts";
import { publish, type Row } from "./lib/report.ts";
import { exampleBackends } from "./lib/servers.ts";
import { median, percentile, round } from "./lib/stats.ts";

const quick = process.argv.includes("--quick");
const RUNS = numberArg("runs", quick ? 1 : 3);
const CALLS = numberArg("calls", quick ? 20 : 300);
const DURATION_S = numberArg("duration", quick ? 0.3 : 3);
const SESSIONS = quick ? [10] : [10, 50];
// A relay is a long-running process: time its steady state, after the JIT has warmed the call path (Bun's
// JavaScriptCore and Node's V8 alike; the first few hundred calls of a fresh process cost 2–3× as much).
const WARMUP = numberArg("warmup", quick ? 10 : 2000);
const SETTLE_MS = quick ? 300 : 1000;
const TRANSPORTS: Transport[] = ["http", "sse", "stdio"];
const GOAL = { relayMs: 0.2, throughputRatio: 1.2, rssMiB: 60 };
const T0 = performance.now();
/** Progress on stderr, so a slow phase shows where the time goes. */
function phase(name: string): void {
  console.error(`peers: ${name} (${((performance.now() - T0) / 1000).toFixed(1)} s)`);
}

// The per-backend rate limit (100/s by default) is a policy, not relay cost; peers have none. Backends start
// at launch (lazy: false), as the peers' do, so idle RSS is read with all three running.
const gatewayConfig = (backends: Record<string, BackendSpec>): string =>
  writeConfig(
    Object.fromEntries(
      Object.entries(backends).map(([k, v]) => [
        k,
        { ...v, lazy: false, failsafe: { rate_limit: { enabled: false } } },
      ]),
    ),
  );

const peers: Relay[] = [supergateway, mcpProxy, mcpHub, mcporter];
const installed = peers.filter((p) => p.bin === undefined || benchBin(p.bin));
const skipped = peers.filter((p) => !installed.includes(p)).map((p) => p.name);
for (const name of skipped) {
  console.log(`peers: ${name} skipped (not installed: npm install --prefix scripts/bench --ignore-scripts)`);
}
const relays: Relay[] = [directRelay(), gatewayRelay(gatewayConfig), ...installed];
const versions = Object.fromEntries([
  ...installed.map((p) => [p.name, benchVersion(p.name)]),
  ["server-everything", everythingVersion()],
]);

function everythingVersion(): string {
  const file = join(ROOT, "node_modules/@modelcontextprotocol/server-everything/package.json");
  return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
}

const isGateway = (e: Endpoint): boolean => e.relay.startsWith("mcp-gateway");
const isDirect = (e: Endpoint): boolean => e.relay.endsWith("directly");
const key = (e: Endpoint): string => `${e.transport}\u0000${e.relay}`;

function checkSum(result: unknown): void {
  const text = JSON.stringify(result);
  if (!text.includes("The sum of 1 and 2 is 3"))
    throw new Error(`unexpected get-sum result: ${text.slice(0, 200)}`);
}

async function call(client: Client, tool: string): Promise<void> {
  checkSum(await client.callTool({ name: tool, arguments: { a: 1, b: 2 } }));
}

/** Sequential calls and pings on one session, alternating in blocks so drift hits both alike. */
async function relayWork(e: Endpoint): Promise<{ call: number; ping: number }> {
  const client = await e.connect();
  try {
    for (let i = 0; i < WARMUP; i++) {
      await call(client, e.tool);
      await client.ping();
    }
    const calls: number[] = [];
    const pings: number[] = [];
    for (let i = 0; i < CALLS; i++) {
      let t0 = performance.now();
      await call(client, e.tool);
      calls.push(performance.now() - t0);
      t0 = performance.now();
      await client.ping();
      pings.push(performance.now() - t0);
    }
    return { call: percentile(calls, 50), ping: percentile(pings, 50) };
  } finally {
    await client.close();
  }
}

/** `sessions` SDK clients, each calling back to back for DURATION_S; total completed calls per second. */
async function throughput(e: Endpoint, sessions: number): Promise<{ rps: number; errors: number }> {
  const clients = await Promise.all(Array.from({ length: sessions }, () => e.connect()));
  let done = 0;
  let errors = 0;
  try {
    await Promise.all(clients.map((c) => call(c, e.tool)));
    const t0 = performance.now();
    const end = t0 + DURATION_S * 1000;
    await Promise.all(
      clients.map(async (c) => {
        while (performance.now() < end) {
          try {
            await call(c, e.tool);
            done++;
          } catch {
            errors++;
          }
        }
      }),
    );
    return { rps: done / ((performance.now() - t0) / 1000), errors };
  } finally {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  }
}

const everything: Record<string, BackendSpec> = {
  everything: { command: `${bin("mcp-server-everything")} stdio` },
};

const latency = new Map<string, { e: Endpoint; call: number[]; ping: number[] }>();
const load = new Map<string, { e: Endpoint; sessions: number; rps: number[]; errors: number }>();
const started: Running[] = [];
try {
  for (const r of relays) started.push(await r.start(everything));
  const endpoints = started.flatMap((s) => s.endpoints);
  await Promise.all(endpoints.map((e) => waitForEndpoint(e)));
  phase("relays up");
  for (let run = 0; run < RUNS; run++) {
    for (const e of endpoints) {
      const r = await relayWork(e);
      const entry = latency.get(key(e)) ?? { e, call: [], ping: [] };
      entry.call.push(r.call);
      entry.ping.push(r.ping);
      latency.set(key(e), entry);
    }
    // stdio is one session per process: throughput compares the HTTP transports only.
    for (const n of SESSIONS) {
      for (const e of endpoints.filter((x) => x.transport !== "stdio")) {
        const r = await throughput(e, n);
        const k = `${key(e)}\u0000${n}`;
        const entry = load.get(k) ?? { e, sessions: n, rps: [], errors: 0 };
        entry.rps.push(r.rps);
        entry.errors += r.errors;
        load.set(k, entry);
      }
    }
    phase(`run ${run + 1}: latency and throughput`);
  }
} finally {
  await Promise.all(started.map((s) => s.stop()));
}

// (c) idle RSS with 3 backends: a fresh relay per run, one client lists every tool, then it sits idle.
const rss = new Map<string, { mib: number[]; processes: number[]; backends: number[] }>();
const backends3 = exampleBackends();
// --quick reads the gateway's RSS only: starting every peer again with 3 backends takes most of a minute.
const rssRelays = relays.filter((x) => x.name !== "direct" && (!quick || x.name === "mcp-gateway"));
for (let run = 0; run < RUNS; run++) {
  for (const r of rssRelays) {
    const running = await r.start(backends3);
    try {
      await Promise.all(running.warm.map((e) => waitForEndpoint(e, { anyTool: true })));
      // Some start backends in the background: give them a moment to have all three running. The gateway
      // may keep a backend asleep when its tool list is known (lazy start), and is read as it is then.
      const deadline = performance.now() + (quick ? 1000 : 5000);
      while (running.backendCount() < 3 && performance.now() < deadline) await Bun.sleep(50);
      await Bun.sleep(SETTLE_MS);
      const pids = running.relayPids();
      const entry = rss.get(r.name) ?? { mib: [], processes: [], backends: [] };
      entry.mib.push(rssMiB(pids));
      entry.processes.push(pids.length);
      entry.backends.push(running.backendCount());
      rss.set(r.name, entry);
    } finally {
      await running.stop();
    }
  }
  phase(`run ${run + 1}: idle RSS`);
}

// Every relay reaches the backend over stdio: that hop, as an SDK client sees it directly, is what
// call − ping still holds when the relay answers ping itself.
const hop = [...latency.values()].find((x) => isDirect(x.e) && x.e.transport === "stdio");
const hopCall = hop ? median(hop.call) : Number.NaN;
const hopWork = hop ? hopCall - median(hop.ping) : Number.NaN;
const latencyRows: Row[] = [];
for (const t of TRANSPORTS) {
  for (const x of [...latency.values()].filter((y) => y.e.transport === t)) {
    const callP50 = median(x.call);
    const work = callP50 - median(x.ping);
    const net = isDirect(x.e) ? null : work - (x.e.ping === "relay" ? hopCall : hopWork);
    latencyRows.push({
      transport: t,
      relay: x.e.relay,
      "call p50 ms": round(callP50, 3),
      "ping p50 ms": round(median(x.ping), 3),
      "call − ping ms": round(work, 3),
      "ping answered by": x.e.ping,
      "relay work net of backend hop ms": net === null ? null : round(net, 3),
      goal: isGateway(x.e) && t !== "sse" ? (work <= GOAL.relayMs ? "met" : "missed") : "",
    });
  }
}

const loadRows: Row[] = [];
for (const n of SESSIONS) {
  for (const t of TRANSPORTS.filter((x) => x !== "stdio")) {
    const rows = [...load.values()].filter((x) => x.sessions === n && x.e.transport === t);
    const bestPeer = Math.max(
      ...rows.filter((x) => !isGateway(x.e) && !isDirect(x.e)).map((x) => median(x.rps)),
    );
    for (const x of rows) {
      const rps = median(x.rps);
      const ratio = Number.isFinite(bestPeer) && bestPeer > 0 ? rps / bestPeer : null;
      loadRows.push({
        sessions: n,
        transport: t,
        relay: x.e.relay,
        "calls/s": round(rps, 0),
        "× best peer": ratio === null ? null : round(ratio, 2),
        errors: x.errors,
        goal: isGateway(x.e) && ratio !== null ? (ratio >= GOAL.throughputRatio ? "met" : "missed") : "",
      });
    }
  }
}

const rssRows: Row[] = [...rss].map(([name, m]) => ({
  relay: name,
  "RSS MiB": round(median(m.mib), 1),
  "relay processes": median(m.processes),
  "backends running": median(m.backends),
  goal: name === "mcp-gateway" ? (median(m.mib) <= GOAL.rssMiB ? "met" : "missed") : "",
}));

const versionNote = Object.entries(versions)
  .map(([k, v]) => `${k} ${v}`)
  .join(", ");
publish(
  "peers",
  `bun scripts/bench/peers.ts${quick ? " --quick" : ` --runs ${RUNS} --calls ${CALLS} --duration ${DURATION_S}`}`,
  {
    runs: RUNS,
    calls: CALLS,
    durationS: DURATION_S,
    versions,
    skipped,
    latency: [...latency.values()].map((x) => ({
      relay: x.e.relay,
      transport: x.e.transport,
      call: x.call,
      ping: x.ping,
    })),
    load: [...load.values()].map((x) => ({
      relay: x.e.relay,
      transport: x.e.transport,
      sessions: x.sessions,
      rps: x.rps,
    })),
    rss: Object.fromEntries(rss),
  },
  [
    {
      title: `Relay work per call: ${CALLS} sequential get-sum calls, each followed by a ping, on one SDK session after ${WARMUP} warm-up pairs (median of ${RUNS} runs)`,
      rows: latencyRows,
      note:
        `Goal: gateway relay work (call p50 − ping p50) ≤ ${GOAL.relayMs} ms on HTTP and on stdio. A relay that ` +
        "forwards ping (supergateway) cancels its hop to the backend out of call − ping; one that answers ping " +
        "itself (the gateway, mcp-proxy, mcp-hub, mcporter) keeps that hop in. The net column takes the hop out " +
        "for both kinds: minus the backend's direct stdio call p50 (ping answered by the relay) or minus the " +
        "backend's own call − ping (ping forwarded), so it compares like with like. Versions: " +
        `${versionNote}.` +
        (skipped.length ? ` Skipped (not installed): ${skipped.join(", ")}.` : ""),
    },
    {
      title: `SDK-client throughput: N sessions calling get-sum back to back for ${DURATION_S} s (median of ${RUNS} runs)`,
      rows: loadRows,
      note:
        `Goal: gateway ≥ ${GOAL.throughputRatio}× the best peer on the same transport at 10 and 50 sessions. The SDK ` +
        "clients run in the bench process and share the 2 cores with the relay and its backend; compare rows within " +
        "one transport and session count. The gateway's per-backend rate limit is off (policy, not relay cost).",
    },
    {
      title: `Idle RSS with 3 backends (examples/gateway.yaml's), ${SETTLE_MS} ms after one client listed the tools (median of ${RUNS} runs)`,
      rows: rssRows,
      note:
        `Goal: gateway ≤ ${GOAL.rssMiB} MiB. VmRSS summed over the relay's own processes (backends excluded): ` +
        "supergateway (plus the sh -c it spawns each backend through) and mcp-proxy serve one backend per process; " +
        "mcporter serve = bridge + its daemon.",
    },
  ],
);
process.exit(0);
