import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseToolArgs } from "../../src/cli/commands/tools.ts";
import { VERSION } from "../../src/version.ts";
import { startTestGateway, type TestGateway, tempDir } from "../helpers/gateway.ts";
import { serverCommand } from "../helpers/paths.ts";
import { runCli } from "./run.ts";

const dir = tempDir("mcp-gateway-tools-");
const yaml = `server:\n  port: 0\nbackends:\n  everything:\n    command: '${serverCommand("everything", "stdio")}'\n    description: "Reference server"\n`;
const configPath = join(dir, "gateway.yaml");
let running: TestGateway;

beforeAll(async () => {
  writeFileSync(configPath, yaml);
  running = await startTestGateway(yaml);
});
afterAll(async () => {
  await running.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("ad-hoc gateway from the config", () => {
  test("servers lists the backends with status and tool count", async () => {
    const run = await runCli(["servers", "--config", configPath]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^NAME +STATUS +TRANSPORT +TOOLS +DESCRIPTION$/m);
    expect(run.stdout).toMatch(/^everything +running +stdio +\d+ +Reference server$/m);
    // No progress noise when stderr is not a terminal; only which gateway answered.
    expect(run.stderr).toBe(
      `gateway: mcp-gateway ${VERSION} started for this command (config ${configPath})\n`,
    );
  });

  test("tools call relays arguments and prints the result text", async () => {
    const run = await runCli([
      "tools",
      "call",
      "everything",
      "echo",
      "--args",
      '{"message":"hello shell"}',
      "-c",
      configPath,
    ]);
    expect(run).toMatchObject({ code: 0, stdout: "Echo: hello shell\n" });
  });

  test("a wrong tool name exits 1 with the gateway's did-you-mean", async () => {
    const run = await runCli(["tools", "call", "everything", "ecko", "-c", configPath]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('Did you mean "echo"?');
  });
});

describe("running gateway over HTTP", () => {
  test("tools search --json answers through --url", async () => {
    const run = await runCli([
      "tools",
      "search",
      "add two numbers",
      "--url",
      running.mcpUrl.href,
      "--json",
      "-n",
      "3",
    ]);
    expect(run.code).toBe(0);
    const answer = JSON.parse(run.stdout) as { matches: { server: string; tool: string }[] };
    expect(answer.matches.length).toBeLessThanOrEqual(3);
    expect(answer.matches.map((m) => m.tool)).toContain("get-sum");
  });

  test("a config whose address answers /health is used instead of starting backends", async () => {
    const pointing = join(dir, "pointing.yaml");
    // The backend here would fail to start; the running gateway's backend answers instead.
    writeFileSync(
      pointing,
      `server:\n  port: ${running.http.url.port}\nbackends:\n  everything:\n    command: "/nonexistent/server"\n`,
    );
    const run = await runCli(["tools", "list", "everything", "--config", pointing, "--json"]);
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as { tools: unknown[] }).tools.length).toBeGreaterThan(5);
  });

  test("an unreachable --url is a one-line error", async () => {
    const run = await runCli(["servers", "--url", "http://127.0.0.1:9/mcp"]);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toContain("cannot reach a gateway at http://127.0.0.1:9/mcp");
  });
});

test("--args accepts a JSON object or @file and rejects anything else", () => {
  const file = join(dir, "args.json");
  writeFileSync(file, '{"a": 1}');
  expect(parseToolArgs(`@${file}`)).toEqual({ a: 1 });
  expect(parseToolArgs(undefined)).toEqual({});
  expect(() => parseToolArgs("[1]")).toThrow(/JSON object/);
  expect(() => parseToolArgs("{oops")).toThrow(/not valid JSON/);
});
