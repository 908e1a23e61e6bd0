import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../helpers/gateway.ts";
import { BIN, BUN, ROOT } from "../helpers/paths.ts";

const home = tempDir("mcp-gateway-bench-home-");
afterAll(() => rmSync(home, { recursive: true, force: true }));

// What a bench does: a config from writeConfig, a spawned gateway (startHttpGateway) and an in-process one
// (GatewayCore, as search-quality and firewall run), a call through each, then exit.
const BENCH = `
import { existsSync } from "node:fs";
import { join } from "node:path";
import { BENCH_STATE_DIR } from "${ROOT}/scripts/bench/lib/bench-dirs.ts";
import { connectHttp, startHttpGateway, writeConfig } from "${ROOT}/scripts/bench/lib/mcp.ts";
import { parseConfig } from "${ROOT}/src/config/load.ts";
import { GatewayCore } from "${ROOT}/src/gateway/core.ts";
import { Gateway } from "${ROOT}/src/gateway/gateway.ts";

const everything = { command: ${JSON.stringify(`${join(BIN, "mcp-server-everything")} stdio`)} };
const config = writeConfig({ everything });
const gw = await startHttpGateway(config, { backends: 1 });
const client = await connectHttp(new URL("/mcp", gw.url));
await client.callTool({ name: "gateway_invoke", arguments: { server: "everything", tool: "echo", arguments: { message: "x" } } });
await client.close();
await gw.stop();

const core = new GatewayCore(parseConfig("backends:\\n  everything:\\n    command: " + JSON.stringify(everything.command) + "\\n", { file: "bench.yaml" }).config);
const local = new Gateway(core);
local.start();
await local.ready;
await local.stop();

console.log(JSON.stringify({ state: BENCH_STATE_DIR, pins: existsSync(join(BENCH_STATE_DIR, "cache", "pins", "everything.json")) }));
`;

test("a bench's gateways keep pins, manifests and usage in a temp dir that is gone after it; HOME stays empty", async () => {
  mkdirSync(home, { recursive: true });
  const proc = Bun.spawn([BUN, "-e", BENCH], {
    cwd: ROOT,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      // No XDG_* at all: the gateway's default dirs are under HOME. Bun's own transpiler cache is off, so
      // anything that shows up under HOME came from a gateway.
      PATH: process.env.PATH ?? "",
      HOME: home,
      BUN_RUNTIME_TRANSPILER_CACHE_PATH: "0",
      // A developer's own choice is not where a bench writes either.
      MCP_GATEWAY_CACHE_DIR: join(home, "my-cache"),
      MCP_GATEWAY_DATA_DIR: join(home, "my-data"),
    },
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  expect({ code, stderr: code === 0 ? "" : stderr }).toEqual({ code: 0, stderr: "" });
  const report = JSON.parse(stdout.trim().split("\n").pop() ?? "{}") as { state: string; pins: boolean };
  // The gateways did pin the backend's tools: into the run's state dir, which the exit removed.
  expect(report.pins).toBe(true);
  expect(existsSync(report.state)).toBe(false);
  expect(readdirSync(home)).toEqual([]);
}, 120_000);
