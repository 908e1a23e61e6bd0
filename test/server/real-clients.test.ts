import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { startTestGateway, type TestGateway, tempDir } from "../helpers/gateway.ts";
import { BIN, BUN, ENTRY, serverCommand } from "../helpers/paths.ts";
import { childEnv } from "../helpers/process.ts";

// Clients we did not write, driving the gateway the way users' tools do.
const INSPECTOR = join(BIN, "mcp-inspector");
const MCP_REMOTE = join(BIN, "mcp-remote");
const CONFIG = `capabilities: { enabled: false }\nbackends:\n  everything:\n    command: '${serverCommand("everything", "stdio")}'\n`;

async function run(
  argv: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; out: string; err: string }> {
  const proc = Bun.spawn(argv, { stdout: "pipe", stderr: "pipe", env: childEnv(env) });
  const [code, out, err] = await Promise.all([
    proc.exited,
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  return { code, out, err };
}

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway(CONFIG);
});
afterAll(async () => {
  await gw?.stop();
});

describe("MCP Inspector CLI 2.12.0", () => {
  test("lists the meta-tools and invokes a backend tool over Streamable HTTP", async () => {
    const list = await run([
      INSPECTOR,
      "--cli",
      gw.mcpUrl.href,
      "--transport",
      "http",
      "--method",
      "tools/list",
    ]);
    expect(list.code).toBe(0);
    const names = (JSON.parse(list.out) as { tools: { name: string }[] }).tools.map((t) => t.name);
    expect(names).toEqual([
      "gateway_list_servers",
      "gateway_list_tools",
      "gateway_search_tools",
      "gateway_invoke",
    ]);

    const call = await run([
      INSPECTOR,
      "--cli",
      gw.mcpUrl.href,
      "--transport",
      "http",
      "--method",
      "tools/call",
      "--tool-name",
      "gateway_invoke",
      "--tool-args-json",
      JSON.stringify({ server: "everything", tool: "get-sum", arguments: { a: 19, b: 23 } }),
    ]);
    expect(call.code).toBe(0);
    expect(call.out).toContain("42");
  });

  test("drives the gateway over stdio", async () => {
    const dir = tempDir();
    await Bun.write(join(dir, "gateway.yaml"), CONFIG);
    const call = await run([
      INSPECTOR,
      "--cli",
      "--method",
      "tools/call",
      "--tool-name",
      "gateway_invoke",
      "--tool-args-json",
      JSON.stringify({ server: "everything", tool: "echo", arguments: { message: "inspected" } }),
      "--",
      BUN,
      ENTRY,
      "--stdio",
      "-c",
      join(dir, "gateway.yaml"),
      "--log-level",
      "error",
    ]);
    expect(call.code).toBe(0);
    expect(call.out).toContain("Echo: inspected");
  });
});

describe("mcp-remote 0.15.1", () => {
  test("bridges a stdio client to the gateway's HTTP endpoint", async () => {
    const client = new Client({ name: "via-mcp-remote", version: "1" }, { capabilities: {} });
    await client.connect(
      new StdioClientTransport({
        command: MCP_REMOTE,
        args: [gw.mcpUrl.href, "--transport", "http-only"],
        env: childEnv({ MCP_REMOTE_CONFIG_DIR: tempDir() }),
        stderr: "ignore",
      }),
    );
    const { tools } = await client.listTools();
    expect(tools).toHaveLength(4);
    const result = await client.callTool({
      name: "gateway_invoke",
      arguments: { server: "everything", tool: "echo", arguments: { message: "bridged" } },
    });
    expect(JSON.stringify(result.content)).toContain("Echo: bridged");
    await client.close();
  });
});
