import { describe, expect, test } from "bun:test";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import type { CatalogEntry } from "../../src/catalog/catalog.ts";
import type { Embedder } from "../../src/catalog/embedder.ts";
import { LazyToolSearch } from "../../src/catalog/lazy-search.ts";
import type { SearchSource } from "../../src/catalog/ranker.ts";
import { ToolSearch } from "../../src/catalog/search.ts";
import { tempDir } from "../helpers/gateway.ts";

const tool = (name: string, description: string): Tool => ({
  name,
  description,
  inputSchema: { type: "object" },
});

const source = (tools: Tool[]): SearchSource => {
  const entries: CatalogEntry[] = tools.map((t) => ({ server: "s", serverDescription: "", tool: t }));
  return { version: 1, entries: () => entries };
};

const TOOLS = [
  tool("read_file", "Read the contents of a file from disk"),
  tool("send_email", "Send an email message to a recipient"),
  tool("get_weather", "Current weather forecast for a city"),
];

function embedder(): Embedder & { closed: number } {
  const made = {
    id: "toy",
    closed: 0,
    embed: async (texts: readonly string[]) => texts.map(() => new Float32Array([1, 0])),
    close() {
      made.closed++;
    },
  };
  return made;
}

describe("LazyToolSearch", () => {
  test("loads at the first query and answers as ToolSearch does", async () => {
    const catalog = source(TOOLS);
    const lazy = new LazyToolSearch(catalog, {}, { cacheDir: tempDir("lazy-search-"), onError: () => {} });
    expect(lazy.loaded).toBe(false);
    const hits = await lazy.searchAsync("weather in paris", 2);
    expect(lazy.loaded).toBe(true);
    expect(hits.map((h) => h.entry.tool.name)).toEqual(
      new ToolSearch(catalog).search("weather in paris", 2).map((h) => h.entry.tool.name),
    );
    expect(hits[0]?.entry.tool.name).toBe("get_weather");
  });

  test("with semantic search on, the embedder is made at the first query, and close frees it", async () => {
    const made: ReturnType<typeof embedder>[] = [];
    const lazy = new LazyToolSearch(
      source(TOOLS),
      { semantic: "auto" },
      {
        cacheDir: tempDir("lazy-search-"),
        onError: () => {},
        local: () => {
          const e = embedder();
          made.push(e);
          return e;
        },
      },
    );
    expect(made).toHaveLength(0);
    await lazy.searchAsync("email", 1);
    expect(made).toHaveLength(1);
    lazy.close();
    await Promise.resolve();
    expect(made[0]?.closed).toBe(1);
  });

  test("closed before any query: never makes an embedder", async () => {
    const made: Embedder[] = [];
    const lazy = new LazyToolSearch(
      source(TOOLS),
      { semantic: "auto" },
      {
        cacheDir: tempDir("lazy-search-"),
        onError: () => {},
        local: () => {
          const e = embedder();
          made.push(e);
          return e;
        },
      },
    );
    lazy.close();
    expect((await lazy.searchAsync("email", 1)).map((h) => h.entry.tool.name)).toEqual(["send_email"]);
    expect(made).toHaveLength(0);
  });
});
