/**
 * Replicas: what running the gateway as several replicas costs and buys, with a real redis-server and HAProxy
 * (round-robin) on loopback, gateway processes as `serve` runs them, SDK 1.x clients (2025-11-25 sessions)
 * calling gateway_invoke → test_simple_text on our conformance fixture over Streamable HTTP (an `http_url` backend, whose
 * rate limit is the shared Redis bucket: one EVALSHA per lease of tokens, see shared-buckets.ts; the bench's
 * backend limit is 1,000,000/s, so most calls spend leased tokens — the step-alone figure also shows a low
 * limit's lease of 1, a round trip per call).
 * (a) Redis per call: p50 of one replica without `redis:` (the embedded default), with only a session
 *     secret (signed ids), and with `redis:`; rounds interleaved so drift hits all alike.
 * (b) Throughput: S sessions calling back to back for T seconds against one replica directly, one replica
 *     behind HAProxy and three behind HAProxy (same machine: expect no gain on 2 cores).
 * (c) A replica killed (SIGKILL) mid-session: time from the kill to the next successful call that started
 *     after it, the calls that failed meanwhile, and whether the session id was kept (no re-initialize).
 * Also one replica's RSS and CPU at idle and under the one-replica load, with its stdio backend child: the
 * figures behind the Helm chart's resource requests (deploy/helm/mcp-gateway/values.yaml).
 * Needs redis-server and haproxy (apt-get install -y redis-server haproxy).
 * Run: bun scripts/bench/replicas.ts [--calls 500] [--rounds 5] [--seconds 15] [--sessions 8] [--runs 5] [--quick]
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { RedisClient } from "bun";
import { stringify } from "yaml";
import { RedisConfigSchema } from "../../src/cluster/config.ts";
import { RedisLink } from "../../src/cluster/redis-link.ts";
import { RedisBuckets } from "../../src/cluster/shared-buckets.ts";
import { HAPROXY, Haproxy, MISSING, REDIS_SERVER, RedisServer, SECRET } from "../../test/cluster/harness.ts";
import { numberArg } from "./lib/args.ts";
import { type BenchGateway, descendants, launchGateway, rssKiB } from "./lib/gateway-proc.ts";
import { BUN, bin, ROOT } from "./lib/paths.ts";
import { cpuMeter } from "./lib/proc-cpu.ts";
import { publish, type Row } from "./lib/report.ts";
import { median, percentile, round } from "./lib/stats.ts";

const quick = process.argv.includes("--quick");
// A run that fails half-way must not leave replicas, HAProxy, redis-server or the backend running (an
// aborted run once left a dozen of them): whatever this process started dies with it.
process.on("exit", () => {
  for (const pid of descendants(process.pid).pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
});
const CALLS = numberArg("calls", quick ? 100 : 500);
const ROUNDS = numberArg("rounds", quick ? 2 : 5);
const SECONDS = numberArg("seconds", quick ? 3 : 15);
const SESSIONS = numberArg("sessions", quick ? 4 : 8);
const RUNS = numberArg("runs", quick ? 2 : 5);
const IDLE_SECONDS = quick ? 2 : 10;
const WARMUP = 50;

if (!REDIS_SERVER || !HAPROXY) {
  console.error(MISSING?.replace("cluster tests skipped", "bench:replicas cannot run"));
  process.exit(1);
}

const loadStart = loadavg().map((v) => round(v, 2));
const dir = mkdtempSync(join(tmpdir(), "mcp-gateway-bench-replicas-"));
const backend = await startBackend();
const redis = new RedisServer();
await redis.start();
const PREFIX = `bench-${process.pid}:`;
/** A folder for one HAProxy's config file. */
const ownDir = (): string => mkdtempSync(join(dir, "haproxy-"));

type Mode = "local" | "signed" | "redis";

/**
 * The HTTP backend every replica calls: our conformance fixture on Bun.serve, in its own process (its call
 * p50 is ~0.3 ms here against ~4 ms for server-everything's Express server, which would hide the gateway).
 */
async function startBackend(): Promise<{ url: URL; stop(): Promise<void> }> {
  const proc = Bun.spawn([BUN, join(ROOT, "test/fixtures/conformance-server.ts"), "--http", "0"], {
    stdin: "ignore",
    stdout: "ignore",
    stderr: "pipe",
  });
  let seen = "";
  const decoder = new TextDecoder();
  const reader = proc.stderr.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    seen += decoder.decode(value, { stream: true });
    const match = /listening on (\S+)/.exec(seen);
    if (!match?.[1]) continue;
    // Keep draining its stderr, so the server never blocks on a full pipe.
    reader.releaseLock();
    void proc.stderr.pipeTo(new WritableStream()).catch(() => undefined);
    const stop = async (): Promise<void> => {
      proc.kill("SIGKILL");
      await proc.exited;
    };
    return { url: new URL(match[1]), stop };
  }
  throw new Error(`the conformance server exited before listening: ${seen}`);
}

/** A replica's config: the HTTP backend the calls use, and an idle stdio one a real pod would also run. */
function writeGatewayConfig(name: string, withRedis: boolean): string {
  const file = join(dir, `${name}.yaml`);
  const unlimited = { rate_limit: { requests_per_second: 1_000_000, burst: 1_000_000 } };
  const config = {
    capabilities: { enabled: false },
    lifecycle: { lazy: false },
    firewall: { pinning: "warn" },
    ...(withRedis ? { redis: { url: redis.url, key_prefix: PREFIX } } : {}),
    backends: {
      remote: {
        http_url: backend.url.href,
        description: "conformance fixture over HTTP",
        failsafe: unlimited,
      },
      local: {
        command: `${bin("mcp-server-everything")} stdio`,
        description: "server-everything over stdio",
      },
    },
  };
  writeFileSync(file, stringify(config));
  return file;
}
const configs = { local: writeGatewayConfig("local", false), redis: writeGatewayConfig("redis", true) };

const started: BenchGateway[] = [];
/** A replica; `launchGateway` passes this process's environment, so the secret is set or removed first. */
async function replica(mode: Mode): Promise<BenchGateway> {
  if (mode === "local") delete process.env.MCP_GATEWAY_SESSION_SECRET;
  else process.env.MCP_GATEWAY_SESSION_SECRET = SECRET;
  const gateway = launchGateway(mode === "redis" ? configs.redis : configs.local, { backends: 2 });
  const ready = await gateway;
  started.push(ready);
  if (mode === "redis") await untilRedisUp(ready);
  return ready;
}

async function untilRedisUp(gateway: BenchGateway): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const body = (await (await fetch(new URL("/health", gateway.url))).json()) as {
      cluster?: { redis: string };
    };
    if (body.cluster?.redis === "up") return;
    await Bun.sleep(25);
  }
  throw new Error(`replica on ${gateway.url.href} never reached redis`);
}

interface Session {
  client: Client;
  transport: StreamableHTTPClientTransport;
  /** The HAProxy server (x-replica) that answered each POST, in order. */
  answered: string[];
}

async function connect(base: URL): Promise<Session> {
  const answered: string[] = [];
  const transport = new StreamableHTTPClientTransport(new URL("/mcp", base), {
    fetch: async (input, init) => {
      const response = await fetch(input, init);
      const replicaName = response.headers.get("x-replica");
      if (replicaName && init?.method === "POST") answered.push(replicaName);
      return response;
    },
  });
  const client = new Client({ name: "bench-replicas", version: "1.0.0" });
  await client.connect(transport);
  return { client, transport, answered };
}

async function call(session: Session): Promise<void> {
  const result = await session.client.callTool(
    { name: "gateway_invoke", arguments: { server: "remote", tool: "test_simple_text", arguments: {} } },
    undefined,
    { timeout: 30_000 },
  );
  const text = JSON.stringify(result.content);
  if (result.isError || !text.includes("simple text response"))
    throw new Error(`bad answer: ${text.slice(0, 120)}`);
}

async function timeCalls(session: Session, n: number, warmup = WARMUP): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await call(session);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await call(session);
    out.push(performance.now() - t);
  }
  return out;
}

// (a) Redis per call, one replica each.
const modes: Mode[] = ["local", "signed", "redis"];
const single: Record<Mode, BenchGateway> = {
  local: await replica("local"),
  signed: await replica("signed"),
  redis: await replica("redis"),
};
const direct: Record<Mode, Session> = {
  local: await connect(single.local.url),
  signed: await connect(single.signed.url),
  redis: await connect(single.redis.url),
};
// Blocks of BLOCK calls per mode in turn, the order rotating, so a busy moment of the machine (others
// share it) falls on every mode alike; each round's p50 per mode is over its CALLS calls.
const BLOCK = 25;
const p50s: Record<Mode, number[]> = { local: [], signed: [], redis: [] };
for (const mode of modes) await timeCalls(direct[mode], 0);
for (let r = 0; r < ROUNDS; r++) {
  const samples: Record<Mode, number[]> = { local: [], signed: [], redis: [] };
  for (let b = 0; b * BLOCK < CALLS; b++) {
    for (let i = 0; i < modes.length; i++) {
      const mode = modes[(r + b + i) % modes.length] as Mode;
      samples[mode].push(...(await timeCalls(direct[mode], BLOCK, 0)));
    }
  }
  for (const mode of modes) p50s[mode].push(median(samples[mode]));
}
// The redis replica really went through the shared bucket (else the comparison measures nothing).
const probe = new RedisClient(redis.url);
const bucketKeys = (await probe.send("KEYS", [`${PREFIX}rate:backend:*`])) as string[];
probe.close();
if (!bucketKeys.includes(`${PREFIX}rate:backend:remote`)) {
  throw new Error(`no shared bucket in redis after the calls (keys: ${bucketKeys.join(", ") || "none"})`);
}
for (const mode of modes) await direct[mode].client.close();

// The Redis step alone, in this process: one shared-bucket take (EVALSHA round trip on loopback).
const link = new RedisLink(RedisConfigSchema.parse({ url: redis.url, key_prefix: PREFIX }), {
  log: { warn: () => undefined, info: () => undefined },
});
await link.start();
const buckets = new RedisBuckets(link);
/** µs per take: with the bench backend's limit (leases grow to 25,000), and with a lease of 1 (rate 10/s). */
async function stepTimes(
  key: string,
  limit: { requestsPerSecond: number; burst: number },
): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < (quick ? 2_000 : 20_000); i++) {
    const t = performance.now();
    const taken = await buckets.take(key, limit);
    if (i >= 200) out.push((performance.now() - t) * 1000);
    if (!taken?.ok) throw new Error("the shared bucket refused or redis did not answer");
  }
  return out;
}
const takes = await stepTimes("backend:bench-step", { requestsPerSecond: 1_000_000, burst: 1_000_000 });
const roundTrips = await stepTimes("backend:bench-step-1", { requestsPerSecond: 10, burst: 1_000_000 });
link.close();
await single.local.stop();
await single.signed.stop();

// (b) Throughput, plus one replica's RSS and CPU at idle and under load.
interface LoadResult {
  calls: number;
  errors: number;
  errorKinds: Record<string, number>;
  perSecond: number;
  p50: number;
  p99: number;
  cores: number[];
  rssMiB: number[];
  podMiB: number[];
}

/** Resident memory of a replica with its stdio backend children, MiB. */
function podRss(pid: number): number {
  const children = descendants(pid).pids.map((p) => rssKiB(p) ?? 0);
  return ((rssKiB(pid) ?? 0) + children.reduce((a, b) => a + b, 0)) / 1024;
}

async function load(base: URL, watched: BenchGateway[]): Promise<LoadResult> {
  const sessions = await Promise.all(Array.from({ length: SESSIONS }, () => connect(base)));
  await Promise.all(sessions.map(async (s) => timeCalls(s, 0)));
  const latencies: number[] = [];
  let errors = 0;
  const errorKinds = new Map<string, number>();
  const meters = watched.map((g) => cpuMeter(g.pid));
  const peaks = watched.map((g) => rssKiB(g.pid) ?? 0);
  const podPeaks = watched.map((g) => podRss(g.pid));
  const sampler = setInterval(() => {
    watched.forEach((g, i) => {
      peaks[i] = Math.max(peaks[i] ?? 0, rssKiB(g.pid) ?? 0);
      podPeaks[i] = Math.max(podPeaks[i] ?? 0, podRss(g.pid));
    });
  }, 250);
  const t0 = performance.now();
  const stopAt = t0 + SECONDS * 1000;
  await Promise.all(
    sessions.map(async (s) => {
      while (performance.now() < stopAt) {
        const began = performance.now();
        try {
          await call(s);
          latencies.push(performance.now() - began);
        } catch (error) {
          errors++;
          const kind = String(error instanceof Error ? error.message : error).slice(0, 100);
          errorKinds.set(kind, (errorKinds.get(kind) ?? 0) + 1);
        }
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  const cores = meters.map((m) => m());
  clearInterval(sampler);
  await Promise.all(sessions.map((s) => s.client.close()));
  return {
    calls: latencies.length,
    errors,
    errorKinds: Object.fromEntries(errorKinds),
    perSecond: latencies.length / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    cores,
    rssMiB: peaks.map((kib) => kib / 1024),
    podMiB: podPeaks,
  };
}

const first = single.redis;
await Bun.sleep(1000);
const idleCpu = cpuMeter(first.pid);
await Bun.sleep(IDLE_SECONDS * 1000);
const idle = { cores: idleCpu(), rssMiB: (rssKiB(first.pid) ?? 0) / 1024, podMiB: podRss(first.pid) };

const others = [await replica("redis"), await replica("redis")];
const three = [first, ...others];
const proxyOne = new Haproxy();
await proxyOne.start(ownDir(), [first.url]);
const proxyThree = new Haproxy();
await proxyThree.start(
  ownDir(),
  three.map((g) => g.url),
);

type Setup = "direct" | "haproxy-1" | "haproxy-3";
const setups: Record<Setup, { base: URL; watched: BenchGateway[] }> = {
  direct: { base: first.url, watched: [first] },
  "haproxy-1": { base: proxyOne.url, watched: [first] },
  "haproxy-3": { base: proxyThree.url, watched: three },
};
const loads: Record<Setup, LoadResult[]> = { direct: [], "haproxy-1": [], "haproxy-3": [] };
const setupNames = Object.keys(setups) as Setup[];
for (let r = 0; r < RUNS; r++) {
  for (let i = 0; i < setupNames.length; i++) {
    const name = setupNames[(r + i) % setupNames.length] as Setup;
    loads[name].push(await load(setups[name].base, setups[name].watched));
  }
}
await proxyOne.stop();
await proxyThree.stop();
for (const g of three) await g.stop();

// (c) A replica killed mid-session: fresh replicas per run (one of them dies each time). HAProxy's
// round-robin sends a lone session's POSTs to r1, r2, r3 in turn, so the replica the next call goes to is
// known: it is killed either just before that call ("between calls") or 1 ms after the call was sent
// ("during a call": the request may be on its way or in the replica when it dies).
type KillKind = "between calls" | "during a call";
interface KillResult {
  kind: KillKind;
  ms: number;
  failed: number;
  keptSession: boolean;
  servedBy: string;
  killed: string;
}

/** The replica round-robin picks next, once the last POSTs show a steady r1 → r2 → r3 rotation. */
function nextInTurn(answered: string[]): string {
  const last = answered.slice(-6);
  const steady =
    last.length === 6 && last.every((r, i) => i < 3 || r === last[i - 3]) && new Set(last).size === 3;
  if (!steady) throw new Error(`round-robin rotation not seen: ${answered.join(" ")}`);
  return `r${(Number((last.at(-1) ?? "r3").slice(1)) % 3) + 1}`;
}

async function killRun(kind: KillKind): Promise<KillResult> {
  const set = [await replica("redis"), await replica("redis"), await replica("redis")];
  const proxy = new Haproxy();
  await proxy.start(
    ownDir(),
    set.map((g) => g.url),
  );
  const session = await connect(proxy.url);
  const id = session.transport.sessionId;
  for (let i = 0; i < 12; i++) await call(session);
  const killed = nextInTurn(session.answered);
  const victim = set[Number(killed.slice(1)) - 1] as BenchGateway;
  let killedAt = 0;
  const kill = (): void => {
    victim.proc.kill("SIGKILL");
    killedAt = performance.now();
  };
  let pending: Promise<void>;
  if (kind === "between calls") {
    kill();
    pending = call(session);
  } else {
    pending = call(session);
    await Bun.sleep(1);
    kill();
  }
  let failed = 0;
  for (;;) {
    try {
      await pending;
      break;
    } catch {
      failed++;
      if (performance.now() - killedAt > 30_000) throw new Error("no call succeeded within 30 s of the kill");
      pending = call(session);
    }
  }
  const ms = performance.now() - killedAt;
  const servedBy = session.answered.at(-1) ?? "";
  const keptSession = session.transport.sessionId === id;
  await session.client.close();
  await proxy.stop();
  for (const g of set) await g.stop();
  return { kind, ms, failed, keptSession, servedBy, killed };
}
const kills: KillResult[] = [];
for (let r = 0; r < RUNS; r++) {
  kills.push(await killRun("between calls"));
  kills.push(await killRun("during a call"));
}
await redis.stop();
await backend.stop();
for (const g of started) await g.stop();

// Report.
const p50 = (mode: Mode): number => median(p50s[mode]);
const spread = (mode: Mode): string => `${round(Math.min(...p50s[mode]))}–${round(Math.max(...p50s[mode]))}`;
const med = (values: number[]): number => round(median(values), 2);
/** Every load run's error messages of one setup, counted. */
function errorKindsOf(setup: Setup): Record<string, number> {
  const out: Record<string, number> = {};
  for (const l of loads[setup]) {
    for (const [kind, n] of Object.entries(l.errorKinds)) out[kind] = (out[kind] ?? 0) + n;
  }
  return out;
}
const byKind = (kind: KillKind): number[] => kills.filter((k) => k.kind === kind).map((k) => k.ms);
const underLoad = loads["haproxy-1"].concat(loads.direct);
const loadCores = med(underLoad.map((l) => l.cores[0] ?? 0));
const loadRss = med(underLoad.map((l) => l.rssMiB[0] ?? 0));
const loadPod = med(underLoad.map((l) => l.podMiB[0] ?? 0));
const perThousand = loadCores / (med(underLoad.map((l) => l.perSecond)) / 1000);
const result = {
  calls_per_round: CALLS,
  rounds: ROUNDS,
  seconds: SECONDS,
  sessions: SESSIONS,
  runs: RUNS,
  p50_ms: Object.fromEntries(modes.map((m) => [m, round(p50(m))])),
  added_p50_ms: {
    redis_vs_local: round(p50("redis") - p50("local")),
    redis_vs_signed: round(p50("redis") - p50("signed")),
    signed_vs_local: round(p50("signed") - p50("local")),
  },
  bucket_take_us: { p50: round(median(takes), 1), p99: round(percentile(takes, 99), 1) },
  bucket_round_trip_us: { p50: round(median(roundTrips), 1), p99: round(percentile(roundTrips, 99), 1) },
  load_average: { start: loadStart, end: loadavg().map((v) => round(v, 2)) },
  throughput: Object.fromEntries(
    setupNames.map((s) => [
      s,
      {
        calls_per_s: med(loads[s].map((l) => l.perSecond)),
        p50_ms: med(loads[s].map((l) => l.p50)),
        p99_ms: med(loads[s].map((l) => l.p99)),
        errors: loads[s].reduce((a, l) => a + l.errors, 0),
        error_kinds: errorKindsOf(s),
      },
    ]),
  ),
  replica: {
    idle: { cores: round(idle.cores, 4), rss_mib: round(idle.rssMiB, 1), pod_mib: round(idle.podMiB, 1) },
    load: {
      cores: loadCores,
      rss_mib: loadRss,
      pod_mib: loadPod,
      cores_per_1000_calls_s: round(perThousand, 3),
    },
    three_replicas_cores_each: loads["haproxy-3"].map((l) => l.cores.map((c) => round(c, 2))),
  },
  kill: {
    between_calls_ms: byKind("between calls").map((v) => round(v, 1)),
    during_a_call_ms: byKind("during a call").map((v) => round(v, 1)),
    failed_calls: kills.map((k) => k.failed),
    session_kept: kills.every((k) => k.keptSession),
  },
};

const label: Record<Mode, string> = {
  local: "no redis:, no session secret (embedded default)",
  signed: "session secret only (signed ids)",
  redis: "redis: + session secret (shared bucket, leased tokens)",
};
const rows: Row[] = modes.map((m) => ({
  setup: label[m],
  "p50 ms": round(p50(m)),
  "spread of round p50s": spread(m),
  "added vs default ms": m === "local" ? "" : round(p50(m) - p50("local")),
}));
const setupLabel: Record<Setup, string> = {
  direct: "1 replica, direct",
  "haproxy-1": "1 replica behind HAProxy",
  "haproxy-3": "3 replicas behind HAProxy (round-robin)",
};
const throughputRows: Row[] = setupNames.map((s) => ({
  setup: setupLabel[s],
  "calls/s": med(loads[s].map((l) => l.perSecond)),
  "p50 ms": med(loads[s].map((l) => l.p50)),
  "p99 ms": med(loads[s].map((l) => l.p99)),
  errors: result.throughput[s]?.errors,
  "CPU per replica (cores)": loads[s].length ? median(loads[s].map((l) => median(l.cores))).toFixed(2) : "",
}));
const mi = (mib: number): number => Math.ceil(mib / 16) * 16;
const resourceRows: Row[] = [
  {
    state: `idle (${IDLE_SECONDS} s, after warm-up)`,
    "CPU (cores)": round(idle.cores, 4),
    "gateway RSS MiB": round(idle.rssMiB, 1),
    "pod RSS MiB (with stdio child)": round(idle.podMiB, 1),
  },
  {
    state: `under load (${SESSIONS} sessions, 1 replica)`,
    "CPU (cores)": loadCores,
    "gateway RSS MiB": loadRss,
    "pod RSS MiB (with stdio child)": loadPod,
  },
];
publish("replicas", `bun scripts/bench/replicas.ts${quick ? " --quick" : ""}`, result, [
  {
    title: `Redis per call: p50 of gateway_invoke → test_simple_text (HTTP backend), one replica, ${ROUNDS} rounds × ${CALLS} calls (blocks of ${BLOCK} interleaved)`,
    rows,
    note: `Goal: ≤ 0.3 ms p50 added by redis:. Measured: ${round(p50("redis") - p50("local"))} ms against the default, ${round(p50("redis") - p50("signed"))} ms against signed ids alone. The Redis step alone, in process: with the bench's 1,000,000/s limit (leases grow to 25,000 tokens) p50 ${round(median(takes), 1)} µs, p99 ${round(percentile(takes, 99), 1)} µs; with a lease of 1 (a low limit: one EVALSHA round trip per call) p50 ${round(median(roundTrips), 1)} µs, p99 ${round(percentile(roundTrips, 99), 1)} µs. Load average at start ${loadStart.join(" / ")}, at end ${result.load_average.end.join(" / ")} (other work on the machine shows here).`,
  },
  {
    title: `Throughput: ${SESSIONS} SDK sessions calling back to back, ${SECONDS} s × ${RUNS} runs (redis: on, same machine)`,
    rows: throughputRows,
    note: setupNames
      .filter((s) => Object.keys(errorKindsOf(s)).length > 0)
      .map((s) => `Errors, ${setupLabel[s]}: ${JSON.stringify(errorKindsOf(s))}`)
      .join("\n"),
  },
  {
    title: "One replica's RSS and CPU (the chart's resource requests)",
    rows: resourceRows,
    note: `CPU per 1,000 calls/s: ${round(perThousand, 3)} cores. Chart: requests.cpu ${Math.max(50, Math.ceil((loadCores * 1000) / 50) * 50)}m (the load above), requests.memory ${mi(loadPod)}Mi (pod RSS under load), limits.memory ${mi(loadPod * 2)}Mi (2× for bigger stdio backends and bursts).`,
  },
  {
    title: `A replica killed (SIGKILL) mid-session: ${RUNS} runs × 2 kinds, one 2025-11-25 SDK session through HAProxy, 3 replicas`,
    rows: kills.map((k, i) => ({
      run: Math.floor(i / 2) + 1,
      kill: k.kind,
      killed: k.killed,
      "ms to a successful call": round(k.ms, 1),
      "served by": k.servedBy,
      "calls failed": k.failed,
      "session id kept": k.keptSession ? "yes" : "no",
    })),
    note: `From the kill to the call's success: between calls median ${med(byKind("between calls"))} ms (max ${round(Math.max(...byKind("between calls")), 1)}), during a call median ${med(byKind("during a call"))} ms (max ${round(Math.max(...byKind("during a call")), 1)}); calls the client saw fail: ${kills.reduce((a, k) => a + k.failed, 0)} of ${kills.length} kills. HAProxy: retries 3, redispatch, retry-on conn-failure empty-response (test/cluster/harness.ts).`,
  },
]);
process.exit(0);
