/**
 * kill -9 under load: S SDK-client sessions call gateway_invoke echo in a loop while the stdio backend's
 * process group is killed N times (pid from GET /health). Per kill: calls in flight at the kill, calls that
 * failed, time from the kill to the first success of a call started after it, and whether the circuit
 * breaker opened (mcp_gateway_circuit_state / _transitions_total). Goal: < 1 s, and no more failures than
 * calls in flight at the crash.
 * Run: bun scripts/bench/kill-under-load.ts [--kills 10] [--sessions 10] [--quick]   (quick: 1 kill)
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { numberArg } from "./lib/args.ts";
import {
  activeSessions,
  backendHealth,
  descendants,
  launchGateway,
  leftOver,
  metricValue,
  readMetrics,
} from "./lib/gateway-proc.ts";
import { writeConfig } from "./lib/mcp.ts";
import { bin } from "./lib/paths.ts";
import { publish, type Row } from "./lib/report.ts";
import { median, round } from "./lib/stats.ts";

const quick = process.argv.includes("--quick");
const KILLS = numberArg("kills", quick ? 1 : 10);
const SESSIONS = numberArg("sessions", 10);
/** Load before each kill, and the longest a kill may take to recover before it counts as not recovered. */
const STEADY_MS = quick ? 1_000 : 3_000;
const RECOVERY_CAP_MS = 35_000;
const BACKEND = "everything";

// Ten looping sessions exceed the default 100 calls/s rate limit; breaker and retry stay at their defaults
// (5 consecutive failures open the circuit for 30 s), which is what the figure is about.
const config = writeConfig({
  [BACKEND]: {
    command: `${bin("mcp-server-everything")} stdio`,
    description: "reference server",
    failsafe: { rate_limit: { enabled: false } },
  },
});
const gw = await launchGateway(config, { backends: 1 });

interface CallRecord {
  start: number;
  end: number;
  ok: boolean;
  error?: string;
}
const records: CallRecord[] = [];
let inFlight = 0;
let running = true;

const sessions = await Promise.all(
  Array.from({ length: SESSIONS }, async (_, n) => {
    const client = new Client({ name: `kill-${n}`, version: "1.0.0" });
    const transport = new StreamableHTTPClientTransport(new URL("/mcp", gw.url));
    await client.connect(transport);
    return { client, transport };
  }),
);

async function loop(client: Client, n: number): Promise<void> {
  let i = 0;
  while (running) {
    const message = `s${n}-${i++}`;
    const start = performance.now();
    inFlight++;
    let rec: CallRecord;
    try {
      const result = await client.callTool(
        { name: "gateway_invoke", arguments: { server: BACKEND, tool: "echo", arguments: { message } } },
        undefined,
        { timeout: 30_000 },
      );
      const content = result.content as Array<{ text?: string }>;
      const text = content.map((c) => c.text ?? "").join(" ");
      rec =
        result.isError || !text.includes(message)
          ? { start, end: performance.now(), ok: false, error: text.replace(/\s+/g, " ").slice(0, 160) }
          : { start, end: performance.now(), ok: true };
    } catch (err) {
      rec = {
        start,
        end: performance.now(),
        ok: false,
        error: `threw: ${(err as Error).message.slice(0, 120)}`,
      };
    }
    inFlight--;
    records.push(rec);
  }
}
const loops = sessions.map((s, n) => loop(s.client, n));

async function circuit(): Promise<{ state: string; opened: number }> {
  const text = await readMetrics(gw.url);
  const state =
    ["open", "half-open", "closed"].find(
      (s) => metricValue(text, "mcp_gateway_circuit_state", { backend: BACKEND, state: s }) === 1,
    ) ?? "?";
  const opened =
    metricValue(text, "mcp_gateway_circuit_transitions_total", { backend: BACKEND, to: "open" }) ?? 0;
  return { state, opened };
}

interface Kill {
  at: number;
  pid: number;
  inFlight: number;
  openedBefore: number;
  statesSeen: Set<string>;
  newPid?: number;
  recoveredMs?: number;
}
const kills: Kill[] = [];

await Bun.sleep(STEADY_MS);
for (let k = 0; k < KILLS; k++) {
  const health = await backendHealth(gw.url, BACKEND);
  const pid = health?.pid;
  if (pid === undefined) throw new Error(`no pid for ${BACKEND} in /health: ${JSON.stringify(health)}`);
  const openedBefore = (await circuit()).opened;
  const kill: Kill = { at: performance.now(), pid, inFlight, openedBefore, statesSeen: new Set() };
  process.kill(-pid, "SIGKILL");
  kills.push(kill);
  // Watch until a call started after the kill has succeeded, the circuit's state on the way, the new pid.
  const deadline = kill.at + RECOVERY_CAP_MS;
  while (performance.now() < deadline) {
    const { state } = await circuit();
    kill.statesSeen.add(state);
    const first = records.find((r) => r.ok && r.start >= kill.at);
    if (first) {
      kill.recoveredMs = first.end - kill.at;
      break;
    }
    await Bun.sleep(25);
  }
  await Bun.sleep(STEADY_MS);
  const after = await backendHealth(gw.url, BACKEND);
  if (after?.pid !== undefined && after.pid !== pid) kill.newPid = after.pid;
  kill.statesSeen.add((await circuit()).state);
}
running = false;
await Promise.all(loops);
const openedTotal = (await circuit()).opened;

await Promise.all(
  sessions.map(async (s) => {
    await s.transport.terminateSession().catch(() => undefined);
    await s.client.close();
  }),
);
const sessionsLeft = await activeSessions(gw.url);
const tree = descendants(gw.pid);
await gw.stop();
await Bun.sleep(500);
const processesLeft = leftOver(tree).length;

const rows: Row[] = [];
for (const [k, kill] of kills.entries()) {
  const until = kills[k + 1]?.at ?? Number.POSITIVE_INFINITY;
  const failures = records.filter((r) => !r.ok && r.end >= kill.at && r.end < until);
  const errors = new Map<string, number>();
  for (const f of failures) errors.set(f.error ?? "", (errors.get(f.error ?? "") ?? 0) + 1);
  const openedAfter = kills[k + 1]?.openedBefore ?? openedTotal;
  rows.push({
    kill: k + 1,
    "in flight at kill": kill.inFlight,
    "calls failed": failures.length,
    "first success after kill, ms":
      kill.recoveredMs === undefined ? "none in 35 s" : round(kill.recoveredMs, 0),
    "circuit opened": openedAfter > kill.openedBefore ? "yes" : "no",
    "circuit states seen": [...kill.statesSeen].join(", "),
    restarted: kill.newPid !== undefined ? "yes" : "no",
    "errors (count × first words)": [...errors]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 2)
      .map(([e, n]) => `${n}× ${e.slice(0, 110)}`)
      .join(" · "),
  });
}
const recovered = kills.map((k) => k.recoveredMs).filter((ms): ms is number => ms !== undefined);
const failedPerKill = rows.map((r) => r["calls failed"] as number);
const overInFlight = rows.filter(
  (r) => (r["calls failed"] as number) > (r["in flight at kill"] as number),
).length;
const okCalls = records.filter((r) => r.ok).length;
const summary: Row[] = [
  { figure: "kills", value: KILLS },
  { figure: "calls (ok / failed)", value: `${okCalls} / ${records.length - okCalls}` },
  {
    figure: "first success after a kill, median / max ms",
    value: recovered.length ? `${round(median(recovered), 0)} / ${round(Math.max(...recovered), 0)}` : "none",
    goal: "< 1000",
  },
  { figure: "kills not recovered within 35 s", value: KILLS - recovered.length, goal: 0 },
  {
    figure: "calls failed per kill, median / max",
    value: `${median(failedPerKill)} / ${Math.max(...failedPerKill)}`,
  },
  { figure: "kills with more failures than calls in flight", value: overInFlight, goal: 0 },
  {
    figure: "kills after which the circuit opened",
    value: rows.filter((r) => r["circuit opened"] === "yes").length,
    goal: 0,
  },
  { figure: "sessions left after the clients ended theirs", value: sessionsLeft ?? "?", goal: 0 },
  { figure: "processes left after the gateway stopped", value: processesLeft, goal: 0 },
];

publish(
  "kill-under-load",
  `bun scripts/bench/kill-under-load.ts${quick ? " --quick" : ` --kills ${KILLS} --sessions ${SESSIONS}`}`,
  {
    kills: kills.map((k) => ({ ...k, statesSeen: [...k.statesSeen] })),
    calls: records.length,
    okCalls,
  },
  [
    {
      title: `kill -9 of the stdio backend's process group under load: ${SESSIONS} sessions calling echo in a loop, ${KILLS} kill(s)`,
      rows: summary,
      note:
        `A kill every ~${(STEADY_MS * 2) / 1000} s once the previous one recovered. A call fails if it throws or comes back ` +
        "isError; failures are counted from the kill to the next one. Recovery = the end of the first successful call " +
        "that started after the kill. Rate limit off, breaker and retry at their defaults.",
    },
    { title: "Per kill", rows },
  ],
);
process.exit(0);
