import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { Client as SdkClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { CallToolResultSchema } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { compactSchema, signature } from "../../src/server/compact-schema.ts";
import { SUMMARY_MAX, summary } from "../../src/server/meta-tools.ts";
import {
  connectHttp,
  standardConfig,
  startTestGateway,
  type TestGateway,
  tempDir,
} from "../helpers/gateway.ts";
import { serverCommand } from "../helpers/paths.ts";

type Json = Record<string, unknown>;
const Raw = z.looseObject({});

async function call(client: Client, name: string, args: Json = {}): Promise<Json> {
  return client.request({ method: "tools/call", params: { name, arguments: args } }, Raw);
}

function structured(result: Json): Json {
  expect(result.isError).toBeFalsy();
  const content = result.content as { type: string; text: string }[];
  // The same JSON travels as text for clients that ignore structuredContent.
  expect(JSON.parse(content[0]?.text ?? "null")).toEqual(result.structuredContent);
  return result.structuredContent as Json;
}

function errorText(result: Json): string {
  expect(result.isError).toBe(true);
  return (result.content as { text: string }[]).map((c) => c.text).join("\n");
}

let gw: TestGateway;
let client: Client;
let dir: string;

beforeAll(async () => {
  dir = tempDir();
  await Bun.write(`${dir}/hello.txt`, "hello from the filesystem backend\n");
  gw = await startTestGateway(standardConfig(dir));
  client = await connectHttp(gw.mcpUrl);
});

afterAll(async () => {
  await client?.close();
  await gw?.stop();
});

describe("meta-tool surface", () => {
  test("tools/list shows exactly the four meta-tools", async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual([
      "gateway_list_servers",
      "gateway_list_tools",
      "gateway_search_tools",
      "gateway_invoke",
    ]);
  });

  test("tools/list is byte-stable across sessions and catalog size", async () => {
    const other = await connectHttp(gw.mcpUrl);
    const a = JSON.stringify((await client.listTools()).tools);
    const b = JSON.stringify((await other.listTools()).tools);
    await other.close();
    expect(a).toBe(b);
    expect(a).not.toMatch(/\d+ tools/);
  });
});

describe("gateway_list_servers", () => {
  test("lists every backend with status, and isolates the broken one with its error", async () => {
    const { servers } = structured(await call(client, "gateway_list_servers")) as { servers: Json[] };
    const byName = Object.fromEntries(servers.map((s) => [s.name, s]));
    // The built-in REST capabilities are on by default and appear as one more backend.
    expect(Object.keys(byName).sort()).toEqual([
      "broken",
      "capabilities",
      "everything",
      "filesystem",
      "memory",
    ]);
    expect(byName.everything).toMatchObject({ status: "running", transport: "stdio" });
    expect(byName.everything?.tools).toBeGreaterThan(10);
    expect(byName.memory).toMatchObject({ status: "running", tools: 9 });
    expect(byName.filesystem).toMatchObject({
      status: "running",
      description: "Files under a test directory",
    });
    expect(byName.broken).toMatchObject({ status: "error", tools: 0 });
    expect(String(byName.broken?.error)).toContain("/nonexistent/mcp-server-that-does-not-exist");
  });
});

describe("gateway_list_tools", () => {
  test("with a server returns full definitions including inputSchema", async () => {
    const out = structured(await call(client, "gateway_list_tools", { server: "memory" }));
    expect(out.server).toBe("memory");
    const tools = out.tools as Json[];
    const create = tools.find((t) => t.name === "create_entities");
    expect(create?.inputSchema).toMatchObject({ type: "object" });
    expect(typeof create?.description).toBe("string");
  });

  test("without a server returns a compact list of every tool with its server", async () => {
    const { tools } = structured(await call(client, "gateway_list_tools")) as { tools: Json[] };
    expect(tools.some((t) => t.server === "everything" && t.name === "echo")).toBe(true);
    expect(tools.some((t) => t.server === "filesystem" && t.name === "read_text_file")).toBe(true);
    expect(tools.every((t) => !("inputSchema" in t))).toBe(true);
  });

  test("keeps same-named tools of different servers apart", async () => {
    const { tools } = structured(await call(client, "gateway_list_tools")) as { tools: Json[] };
    const keys = tools.map((t) => `${t.server}/${t.name}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  test("a misspelled server gets a did-you-mean", async () => {
    const text = errorText(await call(client, "gateway_list_tools", { server: "memroy" }));
    expect(text).toContain('Unknown server "memroy"');
    expect(text).toContain('"memory"');
  });
});

describe("gateway_search_tools", () => {
  test("finds a tool by what it does, with its schema ready for invoke", async () => {
    const out = structured(
      await call(client, "gateway_search_tools", { query: "read a text file", limit: 5 }),
    );
    const matches = out.matches as Json[];
    expect(matches.length).toBeGreaterThan(0);
    expect(matches.length).toBeLessThanOrEqual(5);
    const hit = matches.find((m) => m.server === "filesystem" && m.tool === "read_text_file");
    expect(hit).toBeDefined();
    expect(hit?.inputSchema).toMatchObject({ type: "object" });
    expect(typeof hit?.score).toBe("number");
  });

  test("splits identifiers so a camel/snake name matches plain words", async () => {
    const out = structured(await call(client, "gateway_search_tools", { query: "tiny image" }));
    expect((out.matches as Json[])[0]).toMatchObject({ server: "everything" });
    expect(String((out.matches as Json[])[0]?.tool)).toContain("tiny-image");
  });

  test("tolerates a typo", async () => {
    const out = structured(await call(client, "gateway_search_tools", { query: "entitties relations" }));
    expect((out.matches as Json[]).some((m) => m.server === "memory")).toBe(true);
  });

  test("defaults to 5 results and caps the limit at 50", async () => {
    const five = structured(await call(client, "gateway_search_tools", { query: "file" }));
    expect((five.matches as Json[]).length).toBe(5);
    const text = errorText(await call(client, "gateway_search_tools", { query: "file", limit: 500 }));
    expect(text).toContain("limit");
  });

  test("an empty query is a clear error", async () => {
    expect(errorText(await call(client, "gateway_search_tools", { query: "  " }))).toContain("query");
  });
});

describe("gateway_invoke", () => {
  test("relays a call and returns the backend's answer", async () => {
    const result = await call(client, "gateway_invoke", {
      server: "everything",
      tool: "get-sum",
      arguments: { a: 2, b: 40 },
    });
    expect(result.isError).toBeFalsy();
    expect(JSON.stringify(result.content)).toContain("42");
  });

  test("accepts arguments as a JSON string", async () => {
    const result = await call(client, "gateway_invoke", {
      server: "everything",
      tool: "echo",
      arguments: JSON.stringify({ message: "via string" }),
    });
    expect(JSON.stringify(result.content)).toContain("via string");
  });

  test("passes an image block through byte-for-byte", async () => {
    const direct = new SdkClient({ name: "direct", version: "1" }, { capabilities: {} });
    const [cmd, ...args] = serverCommand("everything", "stdio")
      .split(" ")
      .map((s) => JSON.parse(s) as string);
    await direct.connect(new StdioClientTransport({ command: cmd as string, args, stderr: "ignore" }));
    const expected = await direct.request(
      { method: "tools/call", params: { name: "get-tiny-image", arguments: {} } },
      Raw,
    );
    await direct.close();
    const via = await call(client, "gateway_invoke", { server: "everything", tool: "get-tiny-image" });
    expect(JSON.stringify(via)).toBe(JSON.stringify(expected));
    expect((via.content as Json[]).some((c) => c.type === "image" && typeof c.data === "string")).toBe(true);
  });

  test("reads a real file through the filesystem backend", async () => {
    const result = await call(client, "gateway_invoke", {
      server: "filesystem",
      tool: "read_text_file",
      arguments: { path: `${dir}/hello.txt` },
    });
    expect(JSON.stringify(result.content)).toContain("hello from the filesystem backend");
  });

  test("a misspelled tool names the closest matches and points at search", async () => {
    const text = errorText(await call(client, "gateway_invoke", { server: "everything", tool: "get_sum" }));
    expect(text).toContain('"get-sum"');
    expect(text).toContain("gateway_search_tools");
  });

  test("a misspelled server names the closest server", async () => {
    const text = errorText(await call(client, "gateway_invoke", { server: "everythin", tool: "echo" }));
    expect(text).toContain('"everything"');
  });

  test("a tool that lives on another server says where it is", async () => {
    const text = errorText(
      await call(client, "gateway_invoke", { server: "memory", tool: "read_text_file" }),
    );
    expect(text).toContain('"filesystem"');
  });

  test("the broken backend answers with its error while the others keep serving", async () => {
    const text = errorText(await call(client, "gateway_invoke", { server: "broken", tool: "anything" }));
    expect(text).toContain("unavailable");
    const ok = await call(client, "gateway_invoke", {
      server: "everything",
      tool: "echo",
      arguments: { message: "still here" },
    });
    expect(JSON.stringify(ok.content)).toContain("still here");
  });

  test("arguments that are not an object are refused without calling the backend", async () => {
    const text = errorText(
      await call(client, "gateway_invoke", { server: "everything", tool: "echo", arguments: "[1,2]" }),
    );
    expect(text).toContain("arguments must be a JSON object");
  });

  test("missing server or tool is a clear input error", async () => {
    expect(errorText(await call(client, "gateway_invoke", { tool: "echo" }))).toContain("server");
  });

  test("20 concurrent invokes on one session each get their own answer", async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        call(client, "gateway_invoke", {
          server: "everything",
          tool: "get-sum",
          arguments: { a: i, b: 1000 },
        }),
      ),
    );
    results.forEach((result, i) => {
      expect(result.isError).toBeFalsy();
      expect(JSON.stringify(result.content)).toContain(String(i + 1000));
    });
  });

  test("an unknown meta-tool is a protocol error naming the real ones", async () => {
    const failed = await client
      .request(
        { method: "tools/call", params: { name: "gateway_invok", arguments: {} } },
        CallToolResultSchema,
      )
      .then(
        () => undefined,
        (err: Error) => err,
      );
    expect(failed?.message).toContain("gateway_invoke");
  });
});

describe("summary (compact listing)", () => {
  test("keeps the first sentence and cuts long text at a word boundary", () => {
    expect(summary("Reads a file. Supports encodings and more.")).toBe("Reads a file.");
    expect(summary("  Multi\n line   text  ")).toBe("Multi line text");
    const long = summary(`${"word ".repeat(60)}end`);
    expect(long.length).toBeLessThanOrEqual(SUMMARY_MAX);
    expect(long.endsWith("…")).toBe(true);
    expect(long).not.toContain("wor…");
    expect(summary("")).toBe("");
  });

  test("the all-tools listing uses it, the per-server listing keeps full descriptions", async () => {
    const { tools } = structured(await call(client, "gateway_list_tools")) as { tools: Json[] };
    expect(tools.every((t) => String(t.description).length <= SUMMARY_MAX)).toBe(true);
    const full = structured(await call(client, "gateway_list_tools", { server: "filesystem" })) as {
      tools: Json[];
    };
    expect(full.tools.some((t) => String(t.description).length > SUMMARY_MAX)).toBe(true);
  });
});

describe("search result schemas", () => {
  test("drop the $schema dialect line but keep everything needed to call the tool", async () => {
    const out = structured(await call(client, "gateway_search_tools", { query: "add two numbers" }));
    const hit = (out.matches as Json[]).find((m) => m.tool === "get-sum");
    const schema = hit?.inputSchema as Json;
    expect(schema).not.toHaveProperty("$schema");
    expect(schema).toMatchObject({ type: "object", properties: { a: {}, b: {} } });
    const full = structured(await call(client, "gateway_list_tools", { server: "everything" })) as {
      tools: Json[];
    };
    const original = full.tools.find((t) => t.name === "get-sum")?.inputSchema as Json;
    expect(compactSchema(original).schema).toEqual(schema);
  });
});

describe("search answers: whole schemas first, signatures after", () => {
  test("the first match has its inputSchema, later ones a signature, and the note says how to get more", async () => {
    const out = structured(await call(client, "gateway_search_tools", { query: "file", limit: 8 }));
    const matches = out.matches as Json[];
    expect(matches.length).toBe(8);
    expect(matches[0]?.inputSchema).toMatchObject({ type: "object" });
    expect(matches[0]).not.toHaveProperty("signature");
    const short = matches.slice(2);
    for (const m of short) {
      expect(m).not.toHaveProperty("inputSchema");
      expect(String(m.signature)).toMatch(/^\(.*\)$/);
    }
    expect(String(out.note)).toContain('search "server/tool"');
  });

  test('searching a signature match as "server/tool" brings its schema, enough to call it', async () => {
    const out = structured(await call(client, "gateway_search_tools", { query: "file", limit: 8 }));
    const short = (out.matches as Json[]).find((m) => m.signature !== undefined);
    expect(short).toBeDefined();
    const again = structured(
      await call(client, "gateway_search_tools", { query: `${short?.server}/${short?.tool}` }),
    );
    const first = (again.matches as Json[])[0];
    expect(first).toMatchObject({ server: short?.server, tool: short?.tool });
    expect(first?.inputSchema).toMatchObject({ type: "object" });
  });

  test("a signature names every required argument, and a call missing one says which", async () => {
    const listing = structured(await call(client, "gateway_list_tools", { server: "everything" })) as {
      tools: Json[];
    };
    const schema = listing.tools.find((t) => t.name === "get-sum")?.inputSchema as Json;
    expect(signature(schema).text).toBe("(a: number, b: number)");
    const text = errorText(
      await call(client, "gateway_invoke", { server: "everything", tool: "get-sum", arguments: { a: 1 } }),
    );
    // The backend's validation error names the missing argument; the gateway relays it as an isError result.
    expect(text).toMatch(/invalid arguments for tool get-sum.*\bb\b/i);
  });

  test("the answer matches the declared outputSchema (the SDK client checks it)", async () => {
    const result = await client.callTool({
      name: "gateway_search_tools",
      arguments: { query: "file", limit: 6 },
    });
    expect(result.isError).toBeFalsy();
    expect((result.structuredContent as { matches: Json[] }).matches.length).toBe(6);
  });
});

describe("search with no match", () => {
  test("answers an empty list with a hint on what to try next", async () => {
    const out = structured(await call(client, "gateway_search_tools", { query: "zzzzqqqq xxyyzz" }));
    expect(out.matches).toEqual([]);
    expect(String(out.hint)).toContain("gateway_list_servers");
  });
});
