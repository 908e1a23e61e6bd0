// What a fault costs: time from a backend fault to the next successful call, and how fast a call fails
// while a circuit is open. Real server-everything (stdio and Streamable HTTP), real gateway over HTTP,
// SDK client. Usage: bun scripts/bench/faults.ts [--runs 5]

import { join } from "node:path";
import { parseArgs } from "node:util";
import { configureLog } from "../../src/log.ts";
import {
  connectHttp,
  RawResult,
  startTestGateway,
  type TestGateway,
  tempDir,
} from "../../test/helpers/gateway.ts";
import { startEverythingHttp } from "../../test/helpers/http-servers.ts";
import { BUN, serverCommand } from "../../test/helpers/paths.ts";
import { waitFor } from "../../test/helpers/process.ts";
import { publish } from "./lib/report.ts";
import { median, round } from "./lib/stats.ts";

const { values } = parseArgs({ options: { runs: { type: "string", default: "5" } } });
const RUNS = Number(values.runs);
// The root SDK's Client (scripts/bench has its own SDK copy for the npm servers it installs).
type Client = Awaited<ReturnType<typeof connectHttp>>;
configureLog({ level: "error", format: "text" });

async function invoke(
  client: Client,
  server: string,
  tool = "echo",
): Promise<{ ms: number; ok: boolean; text: string }> {
  const started = performance.now();
  const result = await client.request(
    {
      method: "tools/call",
      params: { name: "gateway_invoke", arguments: { server, tool, arguments: { message: "x" } } },
    },
    RawResult,
    { timeout: 60_000 },
  );
  return {
    ms: performance.now() - started,
    ok: result.isError !== true,
    text: JSON.stringify(result.content),
  };
}

async function measure(
  label: string,
  setup: (gw: TestGateway, client: Client) => Promise<() => Promise<number>>,
  yaml: string,
): Promise<{ fault: string; median_ms: number; min_ms: number; max_ms: number; runs: number }> {
  const gw = await startTestGateway(yaml);
  const client = await connectHttp(gw.mcpUrl);
  const samples: number[] = [];
  try {
    const once = await setup(gw, client);
    for (let i = 0; i < RUNS; i++) samples.push(await once());
  } finally {
    await client.close();
    await gw.stop();
  }
  return {
    fault: label,
    median_ms: round(median(samples), 1),
    min_ms: round(Math.min(...samples), 1),
    max_ms: round(Math.max(...samples), 1),
    runs: samples.length,
  };
}

const stdioYaml = (extra = ""): string =>
  `capabilities: { enabled: false }\nbackends:\n  everything:\n    command: '${serverCommand("everything", "stdio")}'\n${extra}`;

const rows = [];

rows.push(
  await measure(
    "none (warm call, for reference)",
    async (_gw, client) => async () => (await invoke(client, "everything")).ms,
    stdioYaml(),
  ),
);

rows.push(
  await measure(
    "kill -9 of a stdio backend → next call answered",
    async (gw, client) => async () => {
      const backend = gw.core.pool.get("everything");
      const pid = backend?.snapshot().pid as number;
      process.kill(-pid, "SIGKILL");
      await waitFor("backend marked failed", () =>
        backend?.snapshot().status === "error" ? true : undefined,
      );
      const call = await invoke(client, "everything");
      if (!call.ok) throw new Error(`call after kill failed: ${call.text}`);
      return call.ms;
    },
    stdioYaml(),
  ),
);

rows.push(
  await measure(
    "idle sleep → next call wakes the backend",
    async (gw, client) => async () => {
      const backend = gw.core.pool.get("everything") as { sleep?: () => Promise<void> } | undefined;
      await backend?.sleep?.();
      const call = await invoke(client, "everything");
      if (!call.ok) throw new Error(`wake failed: ${call.text}`);
      return call.ms;
    },
    stdioYaml(),
  ),
);

const http = await startEverythingHttp("streamableHttp");
let httpPort = http.port;
let current = http;
rows.push(
  await measure(
    "Streamable HTTP backend restarted → next call (session re-init)",
    async (_gw, client) => async () => {
      await current.stop();
      current = await startEverythingHttp("streamableHttp", httpPort);
      httpPort = current.port;
      const call = await invoke(client, "remote");
      if (!call.ok) throw new Error(`call after backend restart failed: ${call.text}`);
      return call.ms;
    },
    `capabilities: { enabled: false }\nbackends:\n  remote:\n    http_url: "${http.url.href}"\n`,
  ),
);
await current.stop();

const missing = join(tempDir(), "missing.ts");
rows.push(
  await measure(
    "open circuit → call refused (fail fast)",
    async (_gw, client) => {
      for (let i = 0; i < 3; i++) await invoke(client, "broken");
      return async () => {
        const call = await invoke(client, "broken");
        if (!/circuit/i.test(call.text)) throw new Error(`expected an open circuit: ${call.text}`);
        return call.ms;
      };
    },
    `capabilities: { enabled: false }
failsafe: { retry: { enabled: false }, circuit_breaker: { failure_threshold: 3 } }
backends:
  broken:
    command: '"${BUN}" "${missing}"'
`,
  ),
);

rows.push(
  await measure(
    "backend that cannot start → call refused (circuit still closed)",
    async (_gw, client) => async () => (await invoke(client, "broken")).ms,
    `capabilities: { enabled: false }
failsafe: { retry: { enabled: false }, circuit_breaker: { failure_threshold: 1000 } }
backends:
  broken:
    command: '"${BUN}" "${missing}"'
`,
  ),
);

publish("faults", `bun scripts/bench/faults.ts --runs ${RUNS}`, { runs: RUNS, rows }, [
  {
    title: "What a fault costs (client-observed time of the first call after the fault)",
    rows,
    note: "Each row: median of --runs faults, measured end to end (SDK client → gateway over HTTP → backend).",
  },
]);
process.exit(0);
