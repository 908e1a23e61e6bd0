import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { compile, hostTarget } from "../../scripts/build.ts";
import { connectHttp, tempDir } from "../helpers/gateway.ts";
import { serverCommand } from "../helpers/paths.ts";
import { type GatewayProcess, spawnGateway } from "../helpers/process.ts";
import { runCli } from "./run.ts";

// The one test that runs what users download: a compiled binary, not `bun src/main.ts`.
describe("compiled binary", () => {
  const dir = tempDir("mcp-gateway-binary-");
  const binary = join(dir, "mcp-gateway");
  let gateway: GatewayProcess | undefined;
  let client: Client | undefined;

  beforeAll(() => {
    compile(hostTarget(), { outfile: binary, version: "9.8.7-test" });
  }, 120_000);

  afterAll(async () => {
    await client?.close();
    gateway?.proc.kill("SIGTERM");
    await gateway?.proc.exited;
    rmSync(dir, { recursive: true, force: true });
  });

  test("prints the version injected at build time", async () => {
    const run = await runCli(["--version"], { command: [binary] });
    expect(run).toMatchObject({ code: 0, stdout: "9.8.7-test\n" });
  });

  test("ignores a .env file in the working directory", async () => {
    writeFileSync(join(dir, ".env"), "MCP_GATEWAY_PORT=not-a-port\n");
    // `bun src/main.ts` would load it and fail on the bad port; the binary is built not to.
    const run = await runCli(["servers", "--ad-hoc", "--json"], { command: [binary], cwd: dir });
    expect(run.stderr).not.toContain("MCP_GATEWAY_PORT");
    expect(run.code).toBe(0);
  });

  test("serves MCP over HTTP and relays a tool call to a real backend", async () => {
    const config = join(dir, "gateway.yaml");
    writeFileSync(
      config,
      `backends:\n  memory:\n    command: '${serverCommand("memory")}'\n    env:\n      MEMORY_FILE_PATH: "${join(dir, "m.jsonl")}"\n`,
    );
    gateway = await spawnGateway(["--config", config], { command: [binary] });
    const health = (await (await fetch(new URL("/health", gateway.url))).json()) as { version: string };
    expect(health.version).toBe("9.8.7-test");
    client = await connectHttp(new URL("/mcp", gateway.url));
    const result = await client.callTool({
      name: "gateway_invoke",
      arguments: { server: "memory", tool: "read_graph", arguments: {} },
    });
    expect(result.isError).toBeFalsy();
    expect(JSON.stringify(result.content)).toContain("entities");
  });
});
