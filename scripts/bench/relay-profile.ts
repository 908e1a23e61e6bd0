/**
 * Where the relay spends a call: (1) the gateway (`/mcp/{backend}`, one server-everything backend) under
 * `bun --cpu-prof`, driven by sequential get-sum calls from one SDK client, profile written as markdown;
 * (2) call p50 with `--log-level info` (one log line per call, stderr to a pipe that is drained) against
 * `--log-level error`, interleaved, to price the log line. Not part of run-all: a diagnostic, not a figure.
 * Run: bun scripts/bench/relay-profile.ts [--calls 3000] [--rounds 5]
 */
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { numberArg } from "./lib/args.ts";
import { freePort, waitForBackends, waitForHttp, writeConfig } from "./lib/mcp.ts";
import { BUN, bin, GATEWAY_ENTRY, ROOT } from "./lib/paths.ts";
import { median, percentile, round } from "./lib/stats.ts";

const CALLS = numberArg("calls", 3000);
const ROUNDS = numberArg("rounds", 5);
const config = writeConfig({
  everything: {
    command: `${bin("mcp-server-everything")} stdio`,
    lazy: false,
    failsafe: { rate_limit: { enabled: false } },
  },
});

async function gateway(logLevel: string, extra: string[] = []) {
  const port = freePort();
  const proc = Bun.spawn(
    [
      BUN,
      ...extra,
      GATEWAY_ENTRY,
      "serve",
      "--config",
      config,
      "--port",
      String(port),
      "--log-level",
      logLevel,
    ],
    // process.env explicitly: Bun.spawn's default is the environment this process started with, without
    // the temp cache and data dirs lib/bench-dirs.ts set.
    { cwd: ROOT, stdout: "ignore", stderr: "pipe", env: process.env },
  );
  // Drain stderr as a real supervisor would (a full pipe would block the gateway's log writes).
  void (async () => {
    for await (const _ of proc.stderr) {
      // discard
    }
  })();
  const base = new URL(`http://127.0.0.1:${port}`);
  await waitForHttp(new URL("/health", base).href);
  await waitForBackends(base, 1);
  const client = new Client({ name: "profile", version: "1" });
  await client.connect(new StreamableHTTPClientTransport(new URL("/mcp/everything", base)));
  return {
    client,
    stop: async () => {
      await client.close();
      proc.kill("SIGTERM");
      await proc.exited;
    },
  };
}

async function calls(client: Client, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await client.callTool({ name: "get-sum", arguments: { a: i, b: 1 } });
    out.push(performance.now() - t0);
  }
  return out;
}

// (1) CPU profile.
const dir = mkdtempSync(join(tmpdir(), "mcp-gateway-relay-profile-"));
const profiled = await gateway("error", ["--cpu-prof", "--cpu-prof-md", `--cpu-prof-dir=${dir}`]);
await calls(profiled.client, CALLS);
await profiled.stop();
console.log(`cpu profile (${CALLS} calls): ${dir}/${readdirSync(dir).join(", ")}`);

// (2) The per-call log line: info against error, interleaved round by round.
const info = await gateway("info");
const quiet = await gateway("error");
const p50 = { info: [] as number[], error: [] as number[] };
for (let r = 0; r < ROUNDS; r++) {
  await calls(info.client, 50);
  p50.info.push(percentile(await calls(info.client, 300), 50));
  await calls(quiet.client, 50);
  p50.error.push(percentile(await calls(quiet.client, 300), 50));
}
await Promise.all([info.stop(), quiet.stop()]);
console.log(
  `call p50 /mcp/everything: --log-level info ${round(median(p50.info))} ms, error ${round(median(p50.error))} ms ` +
    `(difference ${round(median(p50.info) - median(p50.error))} ms; median of ${ROUNDS} rounds × 300 calls)`,
);
process.exit(0);
