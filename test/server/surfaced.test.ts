import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { encode } from "gpt-tokenizer";
import { z } from "zod";
import { META_TOOL_NAMES } from "../../src/server/meta-tool-definitions.ts";
import { connectHttp, startTestGateway, type TestGateway, tempDir } from "../helpers/gateway.ts";
import { serverCommand } from "../helpers/paths.ts";

const Raw = z.looseObject({});

function config(dir: string): string {
  return `
server:
  request_timeout: 20s
meta_mcp:
  surfaced: [memory/read_graph, everything/get-sum, nowhere/some-tool, everything/no-such-tool]
backends:
  everything:
    command: '${serverCommand("everything", "stdio")}'
  memory:
    command: '${serverCommand("memory")}'
    env:
      MEMORY_FILE_PATH: "${dir}/memory.jsonl"
`;
}

let gw: TestGateway;
let client: Client;

beforeAll(async () => {
  gw = await startTestGateway(config(tempDir()));
  client = await connectHttp(gw.mcpUrl);
});

afterAll(async () => {
  await client?.close();
  await gw?.stop();
});

describe("surfaced tools on the meta surface", () => {
  test("tools/list shows the meta-tools, then the surfaced tools in config order", async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual([
      ...META_TOOL_NAMES,
      "memory__read_graph",
      "everything__get-sum",
    ]);
    const sum = tools.find((t) => t.name === "everything__get-sum");
    expect(sum?.inputSchema.properties).toHaveProperty("a");
    expect(sum?.inputSchema.properties).toHaveProperty("b");
  });

  test("the list is byte-stable across requests and sessions", async () => {
    const first = await client.request({ method: "tools/list", params: {} }, Raw);
    const other = await connectHttp(gw.mcpUrl);
    try {
      const second = await other.request({ method: "tools/list", params: {} }, Raw);
      expect(JSON.stringify(second)).toBe(JSON.stringify(first));
    } finally {
      await other.close();
    }
  });

  test("a surfaced tool is called directly, through the facade's one path (usage counted)", async () => {
    const before = gw.core.usage.get("everything", "get-sum")?.calls ?? 0;
    const result = await client.callTool({ name: "everything__get-sum", arguments: { a: 2, b: 3 } });
    expect(result.isError).toBeFalsy();
    expect(JSON.stringify(result.content)).toContain("5");
    expect(gw.core.usage.get("everything", "get-sum")?.calls).toBe(before + 1);
  });

  test("a backend's refusal of a surfaced call comes back as an isError result", async () => {
    const result = await client.callTool({ name: "everything__get-sum", arguments: { a: "two" } });
    expect(result.isError).toBe(true);
  });

  test("the meta-tools still work beside surfaced tools", async () => {
    const result = await client.callTool({
      name: "gateway_invoke",
      arguments: { server: "everything", tool: "get-sum", arguments: { a: 1, b: 1 } },
    });
    expect(result.isError).toBeFalsy();
    expect(JSON.stringify(result.content)).toContain("2");
  });

  test("a name neither meta nor surfaced is refused with a did-you-mean", async () => {
    const error = await client.callTool({ name: "everything__get-summ", arguments: { a: 1, b: 1 } }).then(
      (r) => JSON.stringify(r),
      (e: unknown) => String(e),
    );
    expect(error).toContain("everything__get-sum");
    // A tool that exists on a backend but is not surfaced is not callable by its exposed name.
    const hidden = await client.callTool({ name: "everything__echo", arguments: { message: "hi" } }).then(
      (r) => JSON.stringify(r),
      (e: unknown) => String(e),
    );
    expect(hidden).toContain("Unknown tool");
  });

  test("each surfaced tool's cost in tokens is what its definition adds", async () => {
    const { tools } = await client.listTools();
    const surfaced = tools.slice(META_TOOL_NAMES.length);
    for (const tool of surfaced) expect(encode(JSON.stringify(tool)).length).toBeGreaterThan(10);
  });
});

describe("a missing surfaced backend", () => {
  test("is left out and the rest still list", async () => {
    const only = await startTestGateway(`
meta_mcp:
  surfaced: [ghost/tool]
backends:
  everything:
    command: '${serverCommand("everything", "stdio")}'
`);
    const c = await connectHttp(only.mcpUrl);
    try {
      const { tools } = await c.listTools();
      expect(tools.map((t) => t.name)).toEqual([...META_TOOL_NAMES]);
    } finally {
      await c.close();
      await only.stop();
    }
  });

  test("a surfaced entry not written server/tool is a config error", async () => {
    const { parseConfig } = await import("../../src/config/load.ts");
    expect(() => parseConfig("meta_mcp:\n  surfaced: [justatool]\n", { file: "gw.yaml" })).toThrow(
      /server\/tool/,
    );
  });
});
