import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { addKey } from "../../src/auth/manage.ts";
import { tempDir } from "../helpers/gateway.ts";
import { serverCommand } from "../helpers/paths.ts";
import { type AuthGateway, connectWithKey, startAuthGateway } from "./helpers.ts";

type Json = Record<string, unknown>;

let gw: AuthGateway;
let narrow: string; // may call everything/echo, nothing else
let wide: string; // every tool of everything
let root: string;
/** Every tool name behind the gateway except echo: none may show up for the narrow key. */
let hidden: string[];

const text = (result: unknown): string => JSON.stringify(result);
const structured = (result: unknown): Json => (result as { structuredContent: Json }).structuredContent;

/** Fails when the answer names a tool or server outside the key's scope (other than what was asked). */
function expectNoLeak(answer: unknown, asked: readonly string[] = []): void {
  let body = text(answer);
  for (const word of asked) body = body.replaceAll(word, "");
  for (const name of hidden) expect(body).not.toContain(`"${name}"`);
  for (const name of hidden) expect(body).not.toContain(`__${name}`);
  expect(body).not.toContain("memory");
  expect(body).not.toContain("Did you mean");
}

beforeAll(async () => {
  const dir = tempDir();
  gw = await startAuthGateway(`
auth: {}
backends:
  everything:
    command: '${serverCommand("everything", "stdio")}'
  memory:
    command: '${serverCommand("memory")}'
    env:
      MEMORY_FILE_PATH: "${join(dir, "memory.jsonl")}"
`);
  narrow = await addKey(gw.keysPath, "narrow", { scopes: ["everything/echo"] });
  wide = await addKey(gw.keysPath, "wide", { scopes: ["everything"] });
  root = await addKey(gw.keysPath, "root", { scopes: ["admin"] });
  gw.auth?.reloadKeys();
  const admin = await connectWithKey(new URL("/mcp", gw.transparent.url), root);
  hidden = (await admin.listTools()).tools
    .map((t) => t.name.replace(/^(everything|memory)__/, ""))
    .filter((n) => n !== "echo");
  await admin.close();
  expect(hidden.length).toBeGreaterThan(15);
});
afterAll(() => gw.stop());

async function relaysNothingElse(client: Client): Promise<void> {
  const resources = await client.listResources();
  expect(resources.resources).toEqual([]);
  expect((await client.listResourceTemplates()).resourceTemplates).toEqual([]);
  expect((await client.listPrompts()).prompts).toEqual([]);
  const read = await client
    .readResource({ uri: "demo://resource/static/document/architecture.md" })
    .catch((e) => e);
  expect(read).toBeInstanceOf(Error);
  expectNoLeak(String(read));
  const prompt = await client.getPrompt({ name: "simple-prompt" }).catch((e) => e);
  expect(prompt).toBeInstanceOf(Error);
  expectNoLeak(String(prompt));
}

describe.each(["http", "sse"] as const)("a key allowed one tool, over %s", (transport) => {
  test("meta: list_servers, list_tools and search show only that tool; nothing else is callable", async () => {
    const path = transport === "sse" ? "/sse" : "/mcp";
    const client = await connectWithKey(new URL(path, gw.http.url), narrow, transport);
    const call = (name: string, args: Json) => client.callTool({ name, arguments: args });

    const servers = structured(await call("gateway_list_servers", {}));
    expect(servers.servers).toEqual([expect.objectContaining({ name: "everything", tools: 1 })]);
    const tools = structured(await call("gateway_list_tools", {}));
    expect(tools.tools).toEqual([expect.objectContaining({ server: "everything", name: "echo" })]);
    const memory = await call("gateway_list_tools", { server: "memory" });
    expect(memory.isError).toBe(true);
    expect(text(memory)).toContain("not allowed");
    expectNoLeak(await call("gateway_list_tools", { server: "everything" }));

    for (const query of ["add two numbers", "create entities in the graph", "echo", "image"]) {
      const found = structured(await call("gateway_search_tools", { query, limit: 10 }));
      for (const m of found.matches as Json[]) expect(`${m.server}/${m.tool}`).toBe("everything/echo");
      expectNoLeak(found);
    }

    for (const [server, tool] of <[string, string][]>[
      ["everything", "get-sum"],
      ["everything", "ech"],
      ["memory", "read_graph"],
      ["nowhere", "x"],
    ]) {
      const refused = await call("gateway_invoke", { server, tool, arguments: { a: 1, b: 2 } });
      expect(refused.isError).toBe(true);
      expect(text(refused)).toContain("is not allowed for this client");
      expectNoLeak(refused, [server, tool]);
    }
    const echoed = await call("gateway_invoke", {
      server: "everything",
      tool: "echo",
      arguments: { message: "hi" },
    });
    expect(echoed.isError).toBeFalsy();
    expect(text(echoed)).toContain("hi");
    await relaysNothingElse(client);
    await client.close();
  });

  test("transparent: tools/list shows only that tool; nothing else is callable", async () => {
    const path = transport === "sse" ? "/sse" : "/mcp";
    const client = await connectWithKey(new URL(path, gw.transparent.url), narrow, transport);
    const listed = await client.listTools();
    expect(listed.tools.map((t) => t.name)).toEqual(["everything__echo"]);
    for (const name of [
      "everything__get-sum",
      "memory__read_graph",
      "read_graph",
      "ech",
      "everything__ech",
    ]) {
      const refused = await client.callTool({ name, arguments: {} });
      expect(refused.isError).toBe(true);
      expect(text(refused)).toContain("not allowed");
      expectNoLeak(refused, [name]);
    }
    const echoed = await client.callTool({ name: "everything__echo", arguments: { message: "hi" } });
    expect(echoed.isError).toBeFalsy();
    await relaysNothingElse(client);
    await client.close();
  });
});

describe("a key allowed one tool, direct (/mcp/{backend})", () => {
  test("its backend shows only that tool; any other backend is 403, existing or not", async () => {
    const client = await connectWithKey(new URL("/mcp/everything", gw.http.url), narrow);
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(["echo"]);
    const refused = await client.callTool({ name: "get-sum", arguments: { a: 1, b: 2 } });
    expect(refused.isError).toBe(true);
    expectNoLeak(refused, ["get-sum"]);
    const unlisted = await client.callTool({ name: "not-listed-anywhere", arguments: {} });
    expect(unlisted.isError).toBe(true);
    expect((await client.callTool({ name: "echo", arguments: { message: "x" } })).isError).toBeFalsy();
    await relaysNothingElse(client);
    await client.close();
    for (const backend of ["memory", "nowhere"]) {
      const response = await fetch(new URL(`/mcp/${backend}`, gw.http.url), {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          authorization: `Bearer ${narrow}`,
        },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "initialize",
          params: {
            protocolVersion: "2025-06-18",
            capabilities: {},
            clientInfo: { name: "t", version: "1" },
          },
        }),
      });
      expect(response.status).toBe(403);
      expectNoLeak(await response.text(), [backend]);
    }
  });
});

describe("a key allowed one server", () => {
  test("search filters before the top k, so it still gets full pages of its own", async () => {
    const adminClient = await connectWithKey(new URL("/mcp", gw.http.url), root);
    const wideClient = await connectWithKey(new URL("/mcp", gw.http.url), wide);
    const query = "get read add create delete list search entities resource";
    const everyMatch = structured(
      await adminClient.callTool({ name: "gateway_search_tools", arguments: { query, limit: 50 } }),
    ).matches as Json[];
    const expected = everyMatch.filter((m) => m.server === "everything").slice(0, 5);
    expect(expected.length).toBe(5);
    expect(everyMatch.slice(0, 5).some((m) => m.server === "memory")).toBe(true);
    const got = structured(
      await wideClient.callTool({ name: "gateway_search_tools", arguments: { query, limit: 5 } }),
    ).matches as Json[];
    expect(got.map((m) => m.tool)).toEqual(expected.map((m) => m.tool));
    // Its resources and prompts come with the server.
    expect((await wideClient.listResources()).resources.length).toBeGreaterThan(0);
    expect((await wideClient.listPrompts()).prompts.length).toBeGreaterThan(0);
    await adminClient.close();
    await wideClient.close();
  });
});
