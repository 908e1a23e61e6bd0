import { beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { StatsRow } from "../../src/cli/commands/stats.ts";
import { connectHttp, tempDir } from "../helpers/gateway.ts";
import { serverCommand } from "../helpers/paths.ts";
import { spawnGateway } from "../helpers/process.ts";
import { runCli } from "./run.ts";

type Row = StatsRow;

const dataDir = tempDir("mcp-gateway-stats-data-");
const env = { MCP_GATEWAY_DATA_DIR: dataDir };

beforeAll(async () => {
  const dir = tempDir("mcp-gateway-stats-");
  const config = join(dir, "gateway.yaml");
  await Bun.write(
    config,
    `backends:
  everything:
    command: '${serverCommand("everything", "stdio")}'
`,
  );
  // A real gateway process records the calls and writes the store when it stops (SIGTERM).
  const gw = await spawnGateway(["--config", config], { env });
  const client = await connectHttp(new URL("/mcp", gw.url));
  const invoke = (tool: string, args: Record<string, unknown>) =>
    client.callTool({ name: "gateway_invoke", arguments: { server: "everything", tool, arguments: args } });
  for (let i = 0; i < 3; i++) await invoke("get-sum", { a: i, b: 1 });
  await invoke("get-sum", { a: "not a number" });
  await invoke("echo", { message: "hi" });
  await client.close();
  gw.proc.kill("SIGTERM");
  await gw.proc.exited;
}, 60_000);

describe("mcp-gateway stats", () => {
  test("--json lists each tool's calls, errors and latency, most used first", async () => {
    const run = await runCli(["stats", "--json"], { env });
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as { file: string; tools: Row[] };
    expect(out.file).toBe(join(dataDir, "usage.json"));
    expect(out.tools.map((r) => `${r.server}/${r.tool}`)).toEqual(["everything/get-sum", "everything/echo"]);
    const sum = out.tools[0] as Row;
    expect(sum.calls).toBe(4);
    expect(sum.errors).toBe(1);
    expect(sum.avg_ms).toBeGreaterThan(0);
    expect(sum.total_ms).toBeGreaterThanOrEqual(sum.avg_ms);
    expect(Date.parse(sum.last_used)).toBeGreaterThan(Date.now() - 120_000);
    expect(sum.latency_calls).toBe(4);
    expect(sum.p50_ms).toBeGreaterThan(0);
    expect(sum.p99_ms).toBeGreaterThanOrEqual(sum.p50_ms as number);
    expect(sum.days).toHaveLength(14);
    expect(sum.days.at(-1)).toEqual({ date: sum.last_used.slice(0, 10), calls: 4, errors: 1 });
    expect(sum.trend).toEqual({ last_7d: 4, previous_7d: 0 });
  });

  test("prints a table, errors with their share", async () => {
    const run = await runCli(["stats"], { env });
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(
      /^SERVER\s+TOOL\s+CALLS\s+ERRORS\s+AVG MS\s+P50 MS\s+P99 MS\s+14 DAYS\s+LAST USED$/,
    );
    // Thirteen quiet days, then today's calls as the tallest bar.
    expect(lines[1]).toMatch(
      /^everything\s+get-sum\s+4\s+1 \(25%\)\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+·{13}█\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/,
    );
    expect(lines).toHaveLength(3);
  });

  test("--server keeps one server's tools; an unknown one is an error with a did-you-mean", async () => {
    const one = await runCli(["stats", "--server", "everything", "--json"], { env });
    expect((JSON.parse(one.stdout) as { tools: Row[] }).tools).toHaveLength(2);
    const typo = await runCli(["stats", "--server", "everythin"], { env });
    expect(typo.code).toBe(2);
    expect(typo.stdout).toBe("");
    expect(typo.stderr).toContain('no calls recorded for server "everythin"');
    expect(typo.stderr).toContain("everything");
  });

  test("an empty store says so on stderr and prints nothing", async () => {
    const run = await runCli(["stats"], { env: { MCP_GATEWAY_DATA_DIR: tempDir() } });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("no tool calls recorded yet");
    const json = await runCli(["stats", "--json"], { env: { MCP_GATEWAY_DATA_DIR: tempDir() } });
    expect((JSON.parse(json.stdout) as { tools: Row[] }).tools).toEqual([]);
  });

  test("a corrupt store is an error, and the file is left where it is", async () => {
    const dir = tempDir();
    await Bun.write(join(dir, "usage.json"), "{ not json");
    const run = await runCli(["stats"], { env: { MCP_GATEWAY_DATA_DIR: dir } });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("corrupt");
    expect(existsSync(join(dir, "usage.json"))).toBe(true);
    expect(readdirSync(dir)).toEqual(["usage.json"]);
  });

  test("an unknown flag is a usage error", async () => {
    const run = await runCli(["stats", "--sever", "x"], { env });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--server");
  });
});
