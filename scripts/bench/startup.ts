/**
 * Start-up: process spawn → first successful `tools/list` on `/mcp`, timed with raw fetch (POST initialize,
 * notifications/initialized, tools/list; no SDK client in the timed path), for the compiled binary and for
 * bun on the source, with 3 and with 100 configured backends, against the floor: the smallest MCP server
 * the official SDK makes (fixtures/sdk-floor-server.ts) on the same bun. The floor compiled is a context
 * row. Variants are interleaved run by run; figures are medians.
 * Run: bun scripts/bench/startup.ts [--runs 7] [--quick]
 */

import { join } from "node:path";
import { compileExecutable, compileGateway } from "./lib/compile.ts";
import { freePort, writeConfig } from "./lib/mcp.ts";
import { BENCH_DIR, BUN, GATEWAY_ENTRY, ROOT } from "./lib/paths.ts";
import { publish, type Row } from "./lib/report.ts";
import { exampleBackends, hundredBackends } from "./lib/servers.ts";
import { median, round } from "./lib/stats.ts";

const quick = process.argv.includes("--quick");
const i = process.argv.indexOf("--runs");
const RUNS = i > 0 ? Number(process.argv[i + 1]) : quick ? 1 : 7;
const GOAL = { compiled: 1.2, source: 1.5 };
const PROTOCOL = "2025-11-25";

const binary = compileGateway();
const FLOOR = join(BENCH_DIR, "fixtures/sdk-floor-server.ts");
const compiledFloor = compileExecutable(FLOOR, "sdk-floor-server");
const counts = quick ? ([3] as const) : ([3, 100] as const);
const configs = { 3: writeConfig(exampleBackends()), 100: writeConfig(hundredBackends()) };

interface Variant {
  name: string;
  /** Which goal applies ("floor" = the reference, "context" = none). */
  kind: "floor" | "context" | "compiled" | "source";
  argv: (port: number) => string[];
}
const variants: Variant[] = [
  { name: "floor: SDK server (1 tool), bun", kind: "floor", argv: (p) => [BUN, FLOOR, String(p)] },
  // Context only (the goal stays the floor above): what compiling alone does to the same server.
  { name: "context: SDK server, compiled", kind: "context", argv: (p) => [compiledFloor, String(p)] },
];
for (const n of counts) {
  const serve = (p: number): string[] => [
    "serve",
    "--config",
    configs[n],
    "--port",
    String(p),
    "--log-level",
    "error",
  ];
  variants.push({
    name: `compiled binary, ${n} backends`,
    kind: "compiled",
    argv: (p) => [binary, ...serve(p)],
  });
  variants.push({
    name: `bun src/main.ts, ${n} backends`,
    kind: "source",
    argv: (p) => [BUN, GATEWAY_ENTRY, ...serve(p)],
  });
}

const HEADERS = {
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
  "mcp-protocol-version": PROTOCOL,
};

/** POSTs one JSON-RPC message; the body is read whole (JSON or a one-event SSE stream). */
async function post(url: string, body: unknown, session?: string): Promise<{ res: Response; text: string }> {
  const res = await fetch(url, {
    method: "POST",
    headers: session ? { ...HEADERS, "mcp-session-id": session } : HEADERS,
    body: JSON.stringify(body),
  });
  return { res, text: await res.text() };
}

/**
 * Tries initialize every 1 ms until the port answers, then notifications/initialized and tools/list;
 * resolves when tools/list returns a result with a tools array.
 */
async function firstToolsList(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let init: { res: Response; text: string } | undefined;
  while (!init) {
    try {
      init = await post(url, {
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: {
          protocolVersion: PROTOCOL,
          capabilities: {},
          clientInfo: { name: "startup", version: "1" },
        },
      });
    } catch {
      if (performance.now() > deadline) throw new Error(`${url}: not listening after ${timeoutMs} ms`);
      await Bun.sleep(1);
    }
  }
  const session = init.res.headers.get("mcp-session-id") ?? undefined;
  if (!init.res.ok || !init.text.includes('"result"')) {
    throw new Error(`${url}: initialize answered ${init.res.status} ${init.text.slice(0, 200)}`);
  }
  await post(url, { jsonrpc: "2.0", method: "notifications/initialized" }, session);
  const list = await post(url, { jsonrpc: "2.0", id: 2, method: "tools/list" }, session);
  if (!list.res.ok || !/"result":\{"tools":\[/.test(list.text)) {
    throw new Error(`${url}: tools/list answered ${list.res.status} ${list.text.slice(0, 200)}`);
  }
}

async function once(v: Variant): Promise<number> {
  const port = freePort();
  const t0 = performance.now();
  // process.env explicitly: Bun.spawn's default is the environment this process started with, without
  // the temp cache and data dirs lib/bench-dirs.ts set.
  const proc = Bun.spawn(v.argv(port), { cwd: ROOT, stdout: "ignore", stderr: "ignore", env: process.env });
  try {
    await firstToolsList(`http://127.0.0.1:${port}/mcp`);
    return performance.now() - t0;
  } finally {
    proc.kill("SIGTERM");
    await proc.exited;
  }
}

const samples = new Map<string, number[]>();
for (let run = 0; run < RUNS; run++) {
  for (const v of variants) {
    const ms = await once(v);
    samples.set(v.name, [...(samples.get(v.name) ?? []), ms]);
  }
}

const floor = median(samples.get(variants[0]?.name as string) ?? []);
const rows: Row[] = variants.map((v) => {
  const ms = median(samples.get(v.name) ?? []);
  const ratio = ms / floor;
  const goal = v.kind === "compiled" ? GOAL.compiled : v.kind === "source" ? GOAL.source : undefined;
  return {
    variant: v.name,
    "spawn → first tools/list ms": round(ms, 1),
    "× floor": round(ratio, 2),
    goal: goal === undefined ? "" : `≤ ${goal}× ${ratio <= goal ? "met" : "missed"}`,
  };
});

publish(
  "startup",
  `bun scripts/bench/startup.ts${quick ? " --quick" : ` --runs ${RUNS}`}`,
  { runs: RUNS, samples: Object.fromEntries(samples) },
  [
    {
      title: `Start-up: spawn → first successful tools/list on /mcp (median of ${RUNS} runs, variants interleaved)`,
      rows,
      note:
        `Goals: compiled ≤ ${GOAL.compiled}× the floor, bun src/main.ts ≤ ${GOAL.source}×. Timed with fetch: POST ` +
        "initialize (retried every 1 ms until the port answers), notifications/initialized, tools/list; no SDK " +
        "client in the timed path. The floor is fixtures/sdk-floor-server.ts (McpServer, one tool, " +
        "WebStandardStreamableHTTPServerTransport on Bun.serve) run by the same bun; its compiled row is context. " +
        "The gateway answers with its meta-tools. 3 = examples/gateway.yaml " +
        "servers, 100 = catalog fixture processes serving 2 tools each. The backends start once the first client " +
        "has been served (src/server/http/first-served.ts: an answer and 10 ms with none open, or 250 ms after " +
        "listening); test/server/start-path.test.ts keeps the Redis side, the SDK's HTTP clients, the capability " +
        "parser, the yaml library and the dashboard pages' own modules out of what loads before the first answer. " +
        "Source mode is still about twice the floor: most of the rest is zod building the module-level schemas of " +
        "the files on that path, which the compiled binary pays far less for.",
    },
  ],
);
process.exit(0);
