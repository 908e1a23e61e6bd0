/**
 * Throughput under load: wrk (one thread, unique JSON-RPC id per request) sends tools/call get-sum over
 * Streamable HTTP at 1, 10 and 50 connections to: server-everything serving HTTP itself (direct), the gateway
 * relaying it (/mcp/everything, and /mcp via gateway_invoke), and supergateway relaying the same stdio server.
 * Targets are interleaved within each run; figures are medians of the runs. Loopback only.
 * Run: bun scripts/bench/throughput.ts [--duration 5] [--runs 3] [--quick]
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { numberArg } from "./lib/args.ts";
import { freePort, startHttpGateway, waitForHttp, writeConfig } from "./lib/mcp.ts";
import { bin, ROOT } from "./lib/paths.ts";
import { publish, type Row } from "./lib/report.ts";
import { median, round } from "./lib/stats.ts";

const quick = process.argv.includes("--quick");
const DURATION = numberArg("duration", quick ? 2 : 5);
const RUNS = numberArg("runs", quick ? 1 : 3);
const CONNECTIONS = quick ? [1, 10] : [1, 10, 50];
const PROTOCOL = "2025-11-25";

interface Target {
  name: string;
  url: string;
  /** JSON-RPC params of the tools/call each request sends. */
  params: string;
  session?: string;
}

const GET_SUM = JSON.stringify({ name: "get-sum", arguments: { a: 1, b: 2 } });
const INVOKE = JSON.stringify({
  name: "gateway_invoke",
  arguments: { server: "everything", tool: "get-sum", arguments: { a: 1, b: 2 } },
});

async function openSession(url: string): Promise<string> {
  const headers = {
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
    "mcp-protocol-version": PROTOCOL,
  };
  const init = await fetch(url, {
    method: "POST",
    headers,
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: { protocolVersion: PROTOCOL, capabilities: {}, clientInfo: { name: "bench", version: "1" } },
    }),
  });
  await init.text();
  const session = init.headers.get("mcp-session-id");
  if (!init.ok || !session) throw new Error(`initialize at ${url} failed: ${init.status}`);
  const note = await fetch(url, {
    method: "POST",
    headers: { ...headers, "mcp-session-id": session },
    body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
  });
  await note.text();
  return session;
}

async function check(target: Target): Promise<void> {
  const res = await fetch(target.url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": PROTOCOL,
      "mcp-session-id": target.session ?? "",
    },
    body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":${target.params}}`,
  });
  const text = await res.text();
  if (!res.ok || !text.includes("3"))
    throw new Error(`${target.name}: bad answer ${res.status} ${text.slice(0, 200)}`);
}

function luaScript(target: Target): string {
  const dir = mkdtempSync(join(tmpdir(), "mcp-gateway-bench-wrk-"));
  const file = join(dir, "call.lua");
  const path = new URL(target.url).pathname;
  writeFileSync(
    file,
    `wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.headers["MCP-Protocol-Version"] = "${PROTOCOL}"
wrk.headers["Mcp-Session-Id"] = "${target.session}"
local counter = 0
local params = [[${target.params}]]
request = function()
  counter = counter + 1
  local body = '{"jsonrpc":"2.0","id":' .. counter .. ',"method":"tools/call","params":' .. params .. '}'
  return wrk.format(nil, "${path}", nil, body)
end
-- Count answers that are not a successful tools/call result (JSON-RPC errors travel with HTTP 200).
bad = 0
response = function(status, headers, body)
  if status ~= 200 or not string.find(body, '"result"', 1, true) or string.find(body, '"isError":true', 1, true) then
    bad = bad + 1
  end
end
local threads = {}
setup = function(thread) table.insert(threads, thread) end
done = function()
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("bad") end
  io.write("BAD_ANSWERS " .. total .. "\\n")
end
`,
  );
  return file;
}

function parseDuration(text: string): number {
  const m = /([\d.]+)(us|ms|s|m)/.exec(text);
  if (!m) return Number.NaN;
  const v = Number(m[1]);
  return m[2] === "us" ? v / 1000 : m[2] === "ms" ? v : m[2] === "s" ? v * 1000 : v * 60_000;
}

async function wrk(
  target: Target,
  connections: number,
): Promise<{ rps: number; p99: number; errors: number }> {
  const proc = Bun.spawn(
    ["wrk", "-t1", `-c${connections}`, `-d${DURATION}s`, "--latency", "-s", luaScript(target), target.url],
    { stdout: "pipe", stderr: "pipe" },
  );
  const out = await new Response(proc.stdout).text();
  await proc.exited;
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? Number.NaN);
  const p99 = parseDuration(/\s99%\s+(\S+)/.exec(out)?.[1] ?? "");
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const socketErrors = /Socket errors:.*?timeout (\d+)/.exec(out);
  const bad = Number(/BAD_ANSWERS (\d+)/.exec(out)?.[1] ?? Number.NaN);
  return { rps, p99, errors: Math.max(non2xx, bad) + Number(socketErrors?.[1] ?? 0) };
}

const children: Subprocess[] = [];
const everythingBin = bin("mcp-server-everything");

// Direct: server-everything's own Streamable HTTP transport.
const directPort = freePort();
children.push(
  Bun.spawn([everythingBin, "streamableHttp"], {
    env: { ...process.env, PORT: String(directPort) },
    stdout: "ignore",
    stderr: "ignore",
  }),
);
// supergateway relaying the stdio server (stateful: one child, sessions like the others).
const sgPort = freePort();
children.push(
  Bun.spawn(
    [
      bin("supergateway"),
      "--stdio",
      `${everythingBin} stdio`,
      "--outputTransport",
      "streamableHttp",
      "--stateful",
      "--port",
      String(sgPort),
      "--logLevel",
      "none",
    ],
    { cwd: ROOT, stdout: "ignore", stderr: "ignore" },
  ),
);
// The per-backend rate limit (100/s by default) is a policy, not relay cost: off here, so the figures show what
// the gateway itself can carry.
const gateway = await startHttpGateway(
  writeConfig({
    everything: { command: `${everythingBin} stdio`, failsafe: { rate_limit: { enabled: false } } },
  }),
  {
    backends: 1,
  },
);

await waitForHttp(`http://127.0.0.1:${directPort}/health`, 30_000).catch(() => undefined);
const targets: Target[] = [
  {
    name: "direct: server-everything streamableHttp",
    url: `http://127.0.0.1:${directPort}/mcp`,
    params: GET_SUM,
  },
  {
    name: "gateway /mcp/everything (relay)",
    url: new URL("/mcp/everything", gateway.url).href,
    params: GET_SUM,
  },
  { name: "gateway /mcp gateway_invoke", url: new URL("/mcp", gateway.url).href, params: INVOKE },
  { name: "supergateway --stateful (relay)", url: `http://127.0.0.1:${sgPort}/mcp`, params: GET_SUM },
];
for (const t of targets) {
  const deadline = performance.now() + 30_000;
  for (;;) {
    try {
      t.session = await openSession(t.url);
      break;
    } catch (err) {
      if (performance.now() > deadline) throw err;
      await Bun.sleep(100);
    }
  }
  await check(t);
}

const results = new Map<string, { rps: number[]; p99: number[]; errors: number[] }>();
try {
  for (let run = 0; run < RUNS; run++) {
    for (const c of CONNECTIONS) {
      for (const t of targets) {
        const r = await wrk(t, c);
        const key = `${t.name}\u0000${c}`;
        const entry = results.get(key) ?? { rps: [], p99: [], errors: [] };
        entry.rps.push(r.rps);
        entry.p99.push(r.p99);
        entry.errors.push(r.errors);
        results.set(key, entry);
      }
    }
  }
} finally {
  await gateway.stop();
  for (const child of children) child.kill("SIGTERM");
  await Promise.all(children.map((c) => c.exited));
}

const rows: Row[] = [];
for (const c of CONNECTIONS) {
  const direct = median(results.get(`${targets[0]?.name}\u0000${c}`)?.rps ?? []);
  for (const t of targets) {
    const m = results.get(`${t.name}\u0000${c}`) as { rps: number[]; p99: number[]; errors: number[] };
    rows.push({
      connections: c,
      target: t.name,
      "req/s": round(median(m.rps), 0),
      "p99 ms": round(median(m.p99), 2),
      "% of direct": round((100 * median(m.rps)) / direct, 1),
      errors: m.errors.reduce((a, b) => a + b, 0),
    });
  }
}
publish(
  "throughput",
  `bun scripts/bench/throughput.ts${quick ? " --quick" : ` --duration ${DURATION} --runs ${RUNS}`}`,
  {
    duration: DURATION,
    runs: RUNS,
    raw: Object.fromEntries([...results].map(([k, v]) => [k.replace("\u0000", " @ "), v])),
  },
  [
    {
      title: `Throughput: wrk -t1, ${DURATION} s per cell, tools/call get-sum, median of ${RUNS} runs (targets interleaved)`,
      rows,
      note:
        "Targets: gateway >= 80% of direct and ahead of supergateway. The load generator shares the 2 cores with the " +
        "servers under test, so absolute req/s are low; compare rows within one connection count.",
    },
  ],
);
process.exit(0);
