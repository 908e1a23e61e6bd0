import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { VERSION } from "../../src/version.ts";
import { startTestGateway, type TestGateway, tempDir } from "../helpers/gateway.ts";
import { BUN, ENTRY, serverCommand } from "../helpers/paths.ts";
import { childEnv } from "../helpers/process.ts";
import { runCli } from "./run.ts";

const ESC = "\u001b[";
const dir = tempDir("mcp-gateway-truthful-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("usage", () => {
  test("a misspelled command exits 2 with a did-you-mean, at any depth", async () => {
    const top = await runCli(["srvers"]);
    expect(top.code).toBe(2);
    expect(top.stderr).toContain('unknown command "srvers" (did you mean "servers"?)');
    const sub = await runCli(["tools", "serch", "x"]);
    expect(sub.code).toBe(2);
    expect(sub.stderr).toContain('unknown command "tools serch" (did you mean "search"?)');
  });

  test("a missing argument is a usage error: exit 2", async () => {
    const run = await runCli(["tools", "search"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("QUERY");
  });

  test("help [command] is --help: usage, examples, and at the top the environment and real config paths", async () => {
    const cwd = tempDir("mcp-gateway-help-");
    const env = { MCP_GATEWAY_CACHE_DIR: join(cwd, "cache") };
    const root = await runCli(["help"], { cwd, env });
    expect(root.code).toBe(0);
    expect(root.stdout).toContain("EXAMPLES");
    expect(root.stdout).toContain("MCP_GATEWAY_CONFIG");
    expect(root.stdout).toContain(join(cwd, "gateway.yaml"));
    expect(root.stdout).toContain(`tool manifests (now: ${env.MCP_GATEWAY_CACHE_DIR})`);
    expect((await runCli(["--help"], { cwd, env })).stdout).toBe(root.stdout);
    const tools = await runCli(["help", "tools"]);
    expect(tools.stdout).toContain("search");
    expect(tools.stdout).toContain("mcp-gateway tools call everything echo");
    expect((await runCli(["help", "nope"])).code).toBe(2);
    rmSync(cwd, { recursive: true, force: true });
  });

  test("no ANSI colours when output is piped", async () => {
    for (const args of [["--help"], ["srvers"], ["tools", "--help"]]) {
      const run = await runCli(args);
      expect(run.stdout + run.stderr).not.toContain(ESC);
    }
  });

  test("a reader that stops early (| head -1) gets no EPIPE error", () => {
    const script = `set -o pipefail; ${JSON.stringify(BUN)} ${JSON.stringify(ENTRY)} cap list | head -1`;
    const run = Bun.spawnSync(["bash", "-c", script], { env: childEnv(), stderr: "pipe", stdout: "pipe" });
    expect(run.stderr.toString()).toBe("");
    expect(run.stdout.toString().trim().split("\n")).toHaveLength(1);
    expect(run.exitCode).toBe(0);
  });
});

describe("which gateway answers", () => {
  let other: TestGateway;
  let port = "";
  beforeAll(async () => {
    // Another project's gateway, listening on the port this project's config names.
    other = await startTestGateway(
      `capabilities:\n  enabled: false\nbackends:\n  everything:\n    command: '${serverCommand("everything", "stdio")}'\n`,
    );
    port = other.http.url.port;
  });
  afterAll(() => other.stop());

  test("a gateway on the config's port that does not serve its backends is refused", async () => {
    const mine = join(dir, "mine.yaml");
    writeFileSync(
      mine,
      `server:\n  port: ${port}\ncapabilities:\n  enabled: false\nbackends:\n  memory:\n    command: '${serverCommand("memory")}'\n`,
    );
    const run = await runCli(["servers", "--config", mine]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `the mcp-gateway ${VERSION} at http://127.0.0.1:${port}/mcp is not serving ${mine}`,
    );
    expect(run.stderr).toContain('no backend "memory"');
    // Told to: --url uses it anyway, --ad-hoc starts this config's own.
    const told = await runCli(["servers", "--url", other.mcpUrl.href]);
    expect(told.code).toBe(0);
    expect(told.stderr).toContain(`gateway: mcp-gateway ${VERSION} at ${other.mcpUrl.href}`);
    const adHoc = await runCli(["servers", "--config", mine, "--ad-hoc"]);
    expect(adHoc.code).toBe(0);
    expect(adHoc.stdout).toMatch(/^memory +running/m);
    expect(adHoc.stderr).toContain(`started for this command (config ${mine})`);
  });

  test("the matching gateway is used and named: URL, version, config; --json carries the same", async () => {
    const same = join(dir, "same.yaml");
    writeFileSync(same, `server:\n  port: ${port}\nbackends:\n  everything:\n    command: "/not/started"\n`);
    const run = await runCli(["servers", "--config", same]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(
      `gateway: mcp-gateway ${VERSION} at http://127.0.0.1:${port}/mcp (config ${same})\n`,
    );
    const json = await runCli(["servers", "--config", same, "--json"]);
    expect(json.stderr).toBe("");
    expect(JSON.parse(json.stdout).gateway).toEqual({
      mode: "running",
      url: `http://127.0.0.1:${port}/mcp`,
      version: VERSION,
      config: same,
    });
  });
});
