import { describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import type { CatalogEntry } from "../../src/catalog/catalog.ts";
import { type Embedder, normalize } from "../../src/catalog/embedder.ts";
import type { SearchSource } from "../../src/catalog/ranker.ts";
import { ToolSearch } from "../../src/catalog/search.ts";
import { toolVectorsFor } from "../../src/catalog/semantic.ts";
import { ToolVectors, toolText } from "../../src/catalog/vectors.ts";

/** A toy meaning model: each word belongs to one concept (a dimension); unknown words to none. */
const CONCEPTS: Record<string, number> = {
  sum: 0,
  add: 0,
  total: 0,
  numbers: 0,
  plus: 0,
  weather: 1,
  forecast: 1,
  rain: 1,
  umbrella: 1,
  file: 2,
  read: 2,
  contents: 2,
  disk: 2,
  entities: 3,
  observations: 3,
  graph: 3,
  memory: 3,
};
function conceptVector(text: string): Float32Array {
  const v = new Float32Array(5);
  for (const word of text.toLowerCase().split(/[^a-z]+/)) {
    const dim = CONCEPTS[word];
    if (dim !== undefined) v[dim] = (v[dim] as number) + 1;
  }
  v[4] = 0.01;
  return normalize(v);
}

function countingEmbedder(fail = false): Embedder & { texts: string[] } {
  const texts: string[] = [];
  return {
    id: "toy",
    texts,
    async embed(input) {
      if (fail) throw new Error("model missing");
      texts.push(...input);
      return input.map(conceptVector);
    },
    close() {},
  };
}

const tool = (name: string, description: string): Tool => ({
  name,
  description,
  inputSchema: { type: "object" },
});

function catalog(tools: Tool[]): SearchSource & { set(tools: Tool[]): void } {
  let entries: CatalogEntry[] = [];
  let version = 0;
  const set = (next: Tool[]): void => {
    entries = next.map((t) => ({ server: "s", serverDescription: "", tool: t }));
    version++;
  };
  set(tools);
  return {
    get version() {
      return version;
    },
    entries: () => entries,
    set,
  };
}

const TOOLS = [
  tool("add_observations", "Add new observations to existing entities in the knowledge graph"),
  tool("get-sum", "Returns the sum of two numbers"),
  tool("get_weather", "Current conditions and forecast for a location"),
  tool("read_file", "Read the complete contents of a file from disk"),
];

describe("ToolVectors", () => {
  test("embeds every tool once, then serves a restart from the disk cache", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vectors-"));
    const first = countingEmbedder();
    const v1 = new ToolVectors(catalog(TOOLS), first, { cacheDir: dir });
    expect(v1.matrix()).toBeUndefined();
    await v1.fill();
    expect(v1.matrix()?.count).toBe(4);
    expect(first.texts).toHaveLength(4);
    expect(readdirSync(dir)).toHaveLength(1);

    const second = countingEmbedder();
    const source = catalog(TOOLS);
    const v2 = new ToolVectors(source, second, { cacheDir: dir });
    await v2.fill();
    expect(second.texts).toEqual([]);
    // A changed definition is a new key: only that tool is embedded again.
    source.set([...TOOLS.slice(0, 3), tool("read_file", "Read a text file")]);
    expect(v2.matrix()).toBeUndefined();
    await v2.fill();
    expect(second.texts).toEqual([
      toolText({ server: "s", serverDescription: "", tool: tool("read_file", "Read a text file") }),
    ]);
    expect(v2.matrix()?.count).toBe(4);
  });

  test("a failing embedder is reported once and leaves the matrix undefined", async () => {
    const errors: string[] = [];
    const vectors = new ToolVectors(catalog(TOOLS), countingEmbedder(true), {
      onError: (m) => errors.push(m),
    });
    await vectors.fill();
    await vectors.fill();
    expect(vectors.matrix()).toBeUndefined();
    expect(errors).toEqual(["model missing"]);
  });

  test("ranks by cosine similarity, best first", async () => {
    const vectors = new ToolVectors(catalog(TOOLS), countingEmbedder());
    await vectors.fill();
    const matrix = vectors.matrix();
    if (!matrix) throw new Error("no matrix");
    const ranked = ToolVectors.rank(matrix, conceptVector("will it rain, do I need an umbrella"), 2);
    expect(ranked).toHaveLength(2);
    expect(ranked[0]?.id).toBe(2);
    expect(ranked[0]?.score ?? 0).toBeGreaterThan(0.9);
  });
});

describe("ToolSearch with the semantic signal", () => {
  test("words only until the vectors are ready, then a request sharing no word finds the tool", async () => {
    const vectors = new ToolVectors(catalog(TOOLS), countingEmbedder());
    const search = new ToolSearch(catalog(TOOLS), { vectors });
    // No word of it is in the catalog, nor are its general-English relatives (plus: extra, addition, include).
    const query = "what is 3 plus 4";
    expect(search.semanticReady).toBe(false);
    expect((await search.searchAsync(query, 3)).map((m) => m.entry.tool.name)).toEqual([]);
    await vectors.fill();
    expect(search.semanticReady).toBe(true);
    const names = (await search.searchAsync(query, 3)).map((m) => m.entry.tool.name);
    expect(names[0]).toBe("get-sum");
    // The synchronous search stays words only.
    expect(search.search(query, 3)).toEqual([]);
  });

  test("a named tool still ranks first, and scores never increase down the list", async () => {
    const vectors = new ToolVectors(catalog(TOOLS), countingEmbedder());
    await vectors.fill();
    const search = new ToolSearch(catalog(TOOLS), { vectors });
    const matches = await search.searchAsync("read_file", 4);
    expect(matches[0]?.entry.tool.name).toBe("read_file");
    const scores = matches.map((m) => m.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  });

  test("fuses vectors from an OpenAI-compatible endpoint (stand-in server)", async () => {
    const server = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      async fetch(req) {
        const { input } = (await req.json()) as { input: string[] };
        return Response.json({
          data: input.map((text, index) => ({ index, embedding: Array.from(conceptVector(text)) })),
        });
      },
    });
    try {
      const source = catalog(TOOLS);
      const vectors = toolVectorsFor(
        { semantic: "auto", embeddings: { url: `http://127.0.0.1:${server.port}/v1`, model: "toy" } },
        source,
        {
          cacheDir: mkdtempSync(join(tmpdir(), "vectors-")),
          onError: (m) => {
            throw new Error(m);
          },
        },
      );
      if (!vectors) throw new Error("expected vectors");
      expect(vectors.model).toContain("http:toy@");
      await vectors.fill();
      const search = new ToolSearch(source, { vectors });
      expect((await search.searchAsync("do I need an umbrella", 1))[0]?.entry.tool.name).toBe("get_weather");
    } finally {
      server.stop(true);
    }
  });

  for (const settings of [{ semantic: "off" as const }, {}]) {
    test(`search ${JSON.stringify(settings)} builds no vectors and no model (semantic search is opt-in)`, () => {
      let built = false;
      const vectors = toolVectorsFor(settings, catalog(TOOLS), {
        cacheDir: tmpdir(),
        onError: () => {},
        local: () => {
          built = true;
          return countingEmbedder();
        },
      });
      expect(vectors).toBeUndefined();
      expect(built).toBe(false);
    });
  }

  test("search.semantic: auto builds the local model's vectors", () => {
    let built = false;
    const vectors = toolVectorsFor({ semantic: "auto" }, catalog(TOOLS), {
      cacheDir: tmpdir(),
      onError: () => {},
      local: () => {
        built = true;
        return countingEmbedder();
      },
    });
    expect(vectors).toBeDefined();
    expect(built).toBe(true);
  });
});
