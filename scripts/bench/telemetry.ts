/**
 * Telemetry: what OpenTelemetry costs a call, off and on, against the gateway from before it existed.
 * Run: bun scripts/bench/telemetry.ts [--calls 300] [--rounds 5] [--quick]
 *
 * Four modes in one run, interleaved round by round (drift on a shared machine hits them alike), each a real
 * process: server-everything's get-sum (1) directly over stdio with the SDK client, and through gateway_invoke
 * over Streamable HTTP on (2) the gateway as of the commit before src/telemetry/ was added (git archive of it,
 * this checkout's node_modules), (3) this gateway with no OTEL_* set, (4) this gateway exporting traces and
 * metrics over OTLP/HTTP protobuf to a receiver in this process. Also: RSS of each gateway after the calls,
 * and what the receiver got. Figures are medians over rounds.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { numberArg } from "./lib/args.ts";
import { connectHttp, connectStdio, freePort, waitForBackends, waitForHttp, writeConfig } from "./lib/mcp.ts";
import { BUN, bin, ROOT } from "./lib/paths.ts";
import { publish, type Row } from "./lib/report.ts";
import { median, percentile, round } from "./lib/stats.ts";

const quick = process.argv.includes("--quick");
const [CALLS, ROUNDS, WARMUP] = [
  numberArg("calls", quick ? 50 : 300),
  numberArg("rounds", quick ? 1 : 5),
  30,
];
const everything = { command: `${bin("mcp-server-everything")} stdio` };
// No rate limit: back-to-back calls would hit the default 100/s; this measures the route, not the limiter.
const config = writeConfig({ everything: { ...everything, failsafe: { rate_limit: { enabled: false } } } });

/** The tree of the commit before OpenTelemetry came in (HEAD when it has not been committed yet). */
function baselineEntry(): { entry: string; rev: string } | undefined {
  try {
    const git = (...args: string[]) => execFileSync("git", args, { cwd: ROOT, encoding: "utf8" }).trim();
    const added = git("log", "--format=%H", "--diff-filter=A", "--", "src/telemetry/telemetry.ts")
      .split("\n")
      .pop();
    const rev = added ? `${added}^` : "HEAD";
    const sha = git("rev-parse", "--short", rev);
    const dir = mkdtempSync(join(tmpdir(), "mcp-gateway-bench-baseline-"));
    execFileSync("sh", ["-c", `git archive ${sha} | tar -x -C ${JSON.stringify(dir)}`], { cwd: ROOT });
    symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
    return { entry: join(dir, "src/main.ts"), rev: sha };
  } catch (error) {
    console.error(`no baseline (git history unavailable): ${(error as Error).message}`);
    return undefined;
  }
}

/** The environment without any OTEL_* (so "off" is off whatever the shell has). */
function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("OTEL_")) env[k] = v;
  return { ...env, ...extra };
}

async function gateway(entry: string, env: Record<string, string>) {
  const port = freePort();
  const dir = mkdtempSync(join(tmpdir(), "mcp-gateway-bench-otel-"));
  const proc = Bun.spawn(
    [BUN, entry, "serve", "--config", config, "--port", String(port), "--log-level", "error"],
    {
      cwd: ROOT,
      stdout: "ignore",
      stderr: "ignore",
      env: { ...env, MCP_GATEWAY_CACHE_DIR: join(dir, "cache"), MCP_GATEWAY_DATA_DIR: join(dir, "data") },
    },
  );
  const url = new URL(`http://127.0.0.1:${port}`);
  await waitForHttp(new URL("/health", url).href);
  await waitForBackends(url, 1);
  const client = await connectHttp(new URL("/mcp", url));
  return {
    client,
    rssMiB: () => {
      const status = readFileSync(`/proc/${proc.pid}/status`, "utf8");
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN) / 1024;
    },
    stop: async () => {
      await client.close();
      proc.kill("SIGTERM");
      await proc.exited;
    },
  };
}

// The OTLP receiver: counts exports and bytes per path, answers 200.
const received = new Map<string, { exports: number; bytes: number }>();
const receiver = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  async fetch(request) {
    const path = new URL(request.url).pathname;
    const bytes = (await request.arrayBuffer()).byteLength;
    const seen = received.get(path) ?? { exports: 0, bytes: 0 };
    received.set(path, { exports: seen.exports + 1, bytes: seen.bytes + bytes });
    return new Response(new Uint8Array(), { headers: { "content-type": "application/x-protobuf" } });
  },
});

const base = baselineEntry();
const direct = await connectStdio(everything);
const gateways = [
  ...(base
    ? [{ mode: `gateway before telemetry (${base.rev})`, gw: await gateway(base.entry, cleanEnv()) }]
    : []),
  { mode: "gateway, OTel off (no OTEL_*)", gw: await gateway(join(ROOT, "src/main.ts"), cleanEnv()) },
  {
    mode: "gateway, OTel on (OTLP/HTTP protobuf)",
    gw: await gateway(
      join(ROOT, "src/main.ts"),
      cleanEnv({
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiver.port}`,
        OTEL_METRIC_EXPORT_INTERVAL: "1000",
      }),
    ),
  },
];

type Call = (i: number) => Promise<unknown>;
function invoke(client: Client): Call {
  return async (i) => {
    const result = await client.callTool({
      name: "gateway_invoke",
      arguments: { server: "everything", tool: "get-sum", arguments: { a: i, b: 1000 } },
    });
    if (!JSON.stringify(result).includes(String(i + 1000))) throw new Error("unexpected get-sum result");
  };
}
const modes: Array<[string, Call]> = [
  [
    "direct (SDK client → server, stdio)",
    (i) => direct.callTool({ name: "get-sum", arguments: { a: i, b: 1000 } }),
  ],
  ...gateways.map(({ mode, gw }) => [mode, invoke(gw.client)] as [string, Call]),
];

/** Latencies of `n` sequential calls after `WARMUP` untimed ones. */
async function timeCalls(call: Call, n: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = -WARMUP; i < n; i++) {
    const started = performance.now();
    await call(i + WARMUP);
    if (i >= 0) times.push(performance.now() - started);
  }
  return times;
}

const perMode = new Map<string, { p50: number[]; p99: number[] }>();
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, call] of modes) {
    const samples = await timeCalls(call, CALLS);
    const entry = perMode.get(name) ?? { p50: [], p99: [] };
    entry.p50.push(percentile(samples, 50));
    entry.p99.push(percentile(samples, 99));
    perMode.set(name, entry);
  }
}
const rss = new Map(gateways.map(({ mode, gw }) => [mode, gw.rssMiB()]));
await direct.close();
await Promise.all(gateways.map(({ gw }) => gw.stop()));
receiver.stop(true);

const reference = base ? perMode.get(gateways[0]?.mode as string) : undefined;
const rows: Row[] = [...perMode].map(([mode, m]) => ({
  mode,
  "p50 ms": round(median(m.p50), 3),
  "p99 ms": round(median(m.p99), 3),
  "p50 vs before telemetry": reference ? round(median(m.p50) / median(reference.p50), 3) : null,
  "RSS MiB": rss.has(mode) ? round(rss.get(mode) as number, 1) : null,
}));
const exports: Row[] = [...received].map(([path, r]) => ({ path, exports: r.exports, bytes: r.bytes }));
publish(
  "telemetry",
  `bun scripts/bench/telemetry.ts --calls ${CALLS} --rounds ${ROUNDS}`,
  { calls: CALLS, rounds: ROUNDS, baseline: base?.rev ?? null, received: Object.fromEntries(received) },
  [
    {
      title: "Call latency with OpenTelemetry off and on",
      rows,
      note: `${CALLS} sequential get-sum calls per mode per round, ${ROUNDS} rounds interleaved; medians over rounds; ratio = p50 / the gateway before telemetry.`,
    },
    { title: "What the OTLP receiver got (OTel on)", rows: exports },
  ],
);
if (!existsSync(config)) throw new Error("config vanished");
