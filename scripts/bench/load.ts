/**
 * Load: N SDK-client sessions (Streamable HTTP) calling gateway_invoke on server-everything's echo and
 * get-sum in a loop for a fixed time, against a real gateway (`serve`, one stdio backend). Reports calls/s,
 * errors, p50/p99, the gateway's RSS and open fds (idle, start, end, after the clients close), sessions
 * left once every client has ended its session, and processes left after the gateway stops.
 * Run: bun scripts/bench/load.ts [--sessions 50] [--seconds 120] [--quick]   (quick: 5 sessions × 5 s)
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { numberArg } from "./lib/args.ts";
import { activeSessions, descendants, fdCount, launchGateway, leftOver, rssKiB } from "./lib/gateway-proc.ts";
import { writeConfig } from "./lib/mcp.ts";
import { bin } from "./lib/paths.ts";
import { publish, type Row } from "./lib/report.ts";
import { percentile, round } from "./lib/stats.ts";

const quick = process.argv.includes("--quick");
const SESSIONS = numberArg("sessions", quick ? 5 : 50);
const SECONDS = numberArg("seconds", quick ? 5 : 120);
const INTERVALS = quick ? 5 : 12;

// 50 looping sessions far exceed the default 100 calls/s rate limit; the bench measures the gateway, not the
// limiter. Breaker, retry and the concurrency limit (32 in flight, 5 s queue) stay at their defaults.
const config = writeConfig({
  everything: {
    command: `${bin("mcp-server-everything")} stdio`,
    description: "reference server",
    failsafe: { rate_limit: { enabled: false } },
  },
});
const gw = await launchGateway(config, { backends: 1 });
const mcpUrl = new URL("/mcp", gw.url);
await Bun.sleep(500);
const idle = { rss: rssKiB(gw.pid) ?? 0, fds: fdCount(gw.pid) ?? 0 };

interface Session {
  client: Client;
  transport: StreamableHTTPClientTransport;
}

async function open(n: number): Promise<Session> {
  const client = new Client({ name: `load-${n}`, version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(mcpUrl);
  await client.connect(transport);
  return { client, transport };
}

const sessions = await Promise.all(Array.from({ length: SESSIONS }, (_, n) => open(n)));

const errors = new Map<string, number>();
const latencies: number[] = [];
/** [end time (ms since start), latency] per call, for the per-interval table. */
const timeline: Array<[number, number, boolean]> = [];
let calls = 0;
let failed = 0;

function countError(kind: string): void {
  failed++;
  errors.set(kind, (errors.get(kind) ?? 0) + 1);
}

async function call(s: Session, i: number): Promise<boolean> {
  const useSum = i % 2 === 0;
  const result = await s.client.callTool(
    {
      name: "gateway_invoke",
      arguments: useSum
        ? { server: "everything", tool: "get-sum", arguments: { a: i, b: 1000 } }
        : { server: "everything", tool: "echo", arguments: { message: `m${i}` } },
    },
    undefined,
    { timeout: 30_000 },
  );
  const text = JSON.stringify(result.content);
  if (result.isError) {
    countError(`isError: ${text.slice(0, 90)}`);
    return false;
  }
  if (!text.includes(useSum ? String(i + 1000) : `m${i}`)) {
    countError(`wrong answer: ${text.slice(0, 90)}`);
    return false;
  }
  return true;
}

// One call per session before the clock starts (the backend's first call and each session's first
// tools/call path are warm-up, not load).
await Promise.all(sessions.map((s) => call(s, 0)));
calls = 0;
failed = 0;
errors.clear();
const start = { rss: rssKiB(gw.pid) ?? 0, fds: fdCount(gw.pid) ?? 0 };
let rssPeak = start.rss;
let fdPeak = start.fds;
const sampler = setInterval(() => {
  rssPeak = Math.max(rssPeak, rssKiB(gw.pid) ?? 0);
  fdPeak = Math.max(fdPeak, fdCount(gw.pid) ?? 0);
}, 250);

const t0 = performance.now();
const stopAt = t0 + SECONDS * 1000;
await Promise.all(
  sessions.map(async (s, n) => {
    let i = n * 1_000_000;
    while (performance.now() < stopAt) {
      const began = performance.now();
      let ok = false;
      try {
        ok = await call(s, i++);
      } catch (err) {
        countError(`threw: ${(err as Error).message.slice(0, 90)}`);
      }
      const ended = performance.now();
      calls++;
      latencies.push(ended - began);
      timeline.push([ended - t0, ended - began, ok]);
    }
  }),
);
const elapsed = (performance.now() - t0) / 1000;
clearInterval(sampler);
const end = { rss: rssKiB(gw.pid) ?? 0, fds: fdCount(gw.pid) ?? 0 };

// Each client ends its session (DELETE) and closes, as a well-behaved client does.
const sessionsBefore = await activeSessions(gw.url);
await Promise.all(
  sessions.map(async (s) => {
    await s.transport.terminateSession().catch(() => undefined);
    await s.client.close();
  }),
);
await Bun.sleep(3_000);
const after = { rss: rssKiB(gw.pid) ?? 0, fds: fdCount(gw.pid) ?? 0 };
const sessionsLeft = await activeSessions(gw.url);
const tree = descendants(gw.pid);
await gw.stop();
await Bun.sleep(500);
const processesLeft = leftOver(tree);

const mib = (kib: number) => round(kib / 1024, 1);
const summary: Row[] = [
  { figure: "sessions × seconds", value: `${SESSIONS} × ${round(elapsed, 1)}` },
  { figure: "calls", value: calls },
  { figure: "calls/s", value: round(calls / elapsed, 0) },
  { figure: "errors", value: failed, goal: 0 },
  { figure: "p50 ms", value: round(percentile(latencies, 50), 2) },
  { figure: "p99 ms", value: round(percentile(latencies, 99), 2) },
  { figure: "max ms", value: round(Math.max(...latencies), 1) },
  {
    figure: "RSS idle / start / peak / end / after close, MiB",
    value: [idle, start, { rss: rssPeak }, end, after].map((x) => mib(x.rss)).join(" / "),
  },
  { figure: "RSS end / start", value: `${round((end.rss / start.rss) * 100, 0)} %` },
  {
    figure: "open fds idle / start / peak / end / after close",
    value: [idle.fds, start.fds, fdPeak, end.fds, after.fds].join(" / "),
  },
  { figure: "sessions open at the end of the loop", value: sessionsBefore ?? "?" },
  { figure: "sessions left after every client ended its session", value: sessionsLeft ?? "?", goal: 0 },
  { figure: "processes left after the gateway stopped", value: processesLeft.length, goal: 0 },
];
const errorRows: Row[] = [...errors].sort((a, b) => b[1] - a[1]).map(([error, count]) => ({ error, count }));

const intervalRows: Row[] = [];
const width = elapsed / INTERVALS;
for (let k = 0; k < INTERVALS; k++) {
  const inside = timeline.filter(([at]) => at >= k * width * 1000 && at < (k + 1) * width * 1000);
  const lat = inside.map(([, ms]) => ms);
  intervalRows.push({
    "from s": round(k * width, 0),
    "calls/s": round(inside.length / width, 0),
    errors: inside.filter(([, , ok]) => !ok).length,
    "p50 ms": round(percentile(lat, 50), 2),
    "p99 ms": round(percentile(lat, 99), 2),
  });
}

publish(
  "load",
  `bun scripts/bench/load.ts${quick ? " --quick" : ` --sessions ${SESSIONS} --seconds ${SECONDS}`}`,
  { sessions: SESSIONS, seconds: SECONDS, idle, start, end, after, rssPeak, fdPeak, processesLeft },
  [
    {
      title: `Sustained load: ${SESSIONS} SDK-client sessions (Streamable HTTP) × ${SECONDS} s, gateway_invoke echo / get-sum in a loop`,
      rows: summary,
      note:
        "One gateway, one server-everything over stdio; every client in this one bench process (2 cores shared with the " +
        "gateway and the backend). The backend's rate limit is off (looping clients exceed its 100/s default); breaker, " +
        "retry and the 32-call concurrency limit stay on. Start = all sessions connected and warmed by one call.",
    },
    { title: "By interval", rows: intervalRows },
    ...(errorRows.length > 0 ? [{ title: "Errors", rows: errorRows }] : []),
  ],
);
process.exit(0);
