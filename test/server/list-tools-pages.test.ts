import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { z } from "zod";
import { PAGE_BYTES, toolPage } from "../../src/server/tool-pages.ts";
import { o200k } from "../../src/usage/context-tokens.ts";
import { runCli } from "../cli/run.ts";
import { connectHttp, startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { BUN, ROOT, serverCommand } from "../helpers/paths.ts";

type Json = Record<string, unknown>;
const Raw = z.looseObject({});
const CATALOG = join(ROOT, "scripts/bench/data/livemcpbench/tools.json");
/** The page budget the issue asks for, in o200k tokens of the answer's text. */
const PAGE_TOKENS = 2_000;

let gw: TestGateway;
let client: Client;

beforeAll(async () => {
  // The whole 527-tool LiveMCPBench catalog behind one backend, and the memory server beside it.
  gw = await startTestGateway(`
backends:
  catalog:
    command: '${BUN} ${join(ROOT, "test/fixtures/catalog-server.ts")} --all --catalog ${CATALOG}'
  memory:
    command: '${serverCommand("memory")}'
  time:
    command: '${BUN} ${join(ROOT, "test/fixtures/catalog-server.ts")} --server time --catalog ${CATALOG}'
capabilities: { enabled: false }
`);
  client = await connectHttp(gw.mcpUrl);
});

afterAll(async () => {
  await client?.close();
  await gw?.stop();
});

async function listPage(args: Json): Promise<{ result: Json; text: string }> {
  const result = await client.request(
    { method: "tools/call", params: { name: "gateway_list_tools", arguments: args } },
    Raw,
  );
  const text = (result.content as { text: string }[]).map((c) => c.text).join("\n");
  return { result, text };
}

/** Follows nextCursor to the end; checks each page's size on the way. */
async function allPages(server?: string): Promise<{ tools: Json[]; pages: number }> {
  const tools: Json[] = [];
  let cursor: string | undefined;
  let pages = 0;
  for (;;) {
    const { result, text } = await listPage({ ...(server ? { server } : {}), ...(cursor ? { cursor } : {}) });
    expect(result.isError).toBeFalsy();
    const page = result.structuredContent as { tools: Json[]; nextCursor?: string; note?: string };
    pages++;
    if (page.tools.length > 1) expect(o200k(text)).toBeLessThanOrEqual(PAGE_TOKENS);
    tools.push(...page.tools);
    if (page.nextCursor === undefined) {
      expect(page.note).toBeUndefined();
      return { tools, pages };
    }
    expect(page.note).toContain("cursor");
    cursor = page.nextCursor;
  }
}

describe("gateway_list_tools pages", () => {
  test("the all-servers listing comes in pages of at most ~2,000 tokens that hold every tool once", async () => {
    const { tools, pages } = await allPages();
    const keys = tools.map((t) => `${t.server}/${t.name}`);
    // The catalog's 527 tools carry 510 distinct names: the gateway lists a name once per server.
    expect(keys.filter((k) => k.startsWith("catalog/"))).toHaveLength(510);
    expect(keys.filter((k) => k.startsWith("memory/"))).toHaveLength(9);
    expect(new Set(keys).size).toBe(keys.length);
    expect(pages).toBeGreaterThan(5);
  });

  test("one server's full definitions are paged too, schemas whole", async () => {
    const { tools, pages } = await allPages("catalog");
    expect(tools).toHaveLength(510);
    expect(pages).toBeGreaterThan(10);
    expect(tools.every((t) => typeof t.inputSchema === "object")).toBe(true);
  });

  test("a small server fits one page, with no cursor", async () => {
    const { result } = await listPage({ server: "time" });
    const page = result.structuredContent as { tools: Json[]; nextCursor?: string };
    expect(page.tools.map((t) => t.name).sort()).toEqual(["convert_time", "get_current_time"]);
    expect(page.nextCursor).toBeUndefined();
  });

  test("a cursor of another listing, or not one the gateway gave, is a clear error", async () => {
    const first = (await listPage({})).result.structuredContent as { nextCursor: string };
    const other = await listPage({ server: "catalog", cursor: first.nextCursor });
    expect(other.result.isError).toBe(true);
    expect(other.text).toContain("Invalid cursor: it lists all servers, not one");
    const bad = await listPage({ cursor: "not-a-cursor" });
    expect(bad.result.isError).toBe(true);
    expect(bad.text).toContain("Invalid cursor");
    expect(bad.text).toContain("nextCursor");
  });

  test("`tools list` at the shell follows every page", async () => {
    const run = await runCli(["tools", "list", "catalog", "--url", gw.mcpUrl.href, "--json"]);
    expect(run.code).toBe(0);
    const answer = JSON.parse(run.stdout) as { server: string; tools: Json[]; nextCursor?: string };
    expect(answer.server).toBe("catalog");
    expect(answer.tools).toHaveLength(510);
    expect(answer.nextCursor).toBeUndefined();
  });
});

describe("toolPage", () => {
  const items = Array.from({ length: 30 }, (_, i) => ({ id: `t${i}`, size: 1_000 }));
  const key = (t: { id: string }) => t.id;
  const size = (t: { size: number }) => t.size;

  test("fills a page up to the budget and resumes after the last item sent", () => {
    const first = toolPage(items, undefined, "", key, size);
    expect(first.page).toHaveLength(Math.floor(PAGE_BYTES / 1_001));
    const second = toolPage(items, first.nextCursor, "", key, size);
    expect(second.page[0]?.id).toBe(`t${first.page.length}`);
  });

  test("an item larger than the budget still gets a page of its own", () => {
    const huge = [{ id: "big", size: PAGE_BYTES * 3 }, ...items];
    const first = toolPage(huge, undefined, "", key, size);
    expect(first.page.map((t) => t.id)).toEqual(["big"]);
    expect(first.nextCursor).toBeDefined();
  });

  test("a list that changed between pages resumes after the same item, not at a stale offset", () => {
    const first = toolPage(items, undefined, "", key, size);
    const last = first.page.at(-1)?.id;
    // Two items removed before the cursor's position: an offset alone would skip two tools.
    const changed = items.filter((t) => t.id !== "t0" && t.id !== "t1");
    const second = toolPage(changed, first.nextCursor, "", key, size);
    expect(second.page[0]?.id).toBe(`t${Number(last?.slice(1)) + 1}`);
  });
});
