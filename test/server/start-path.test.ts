import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { openCluster } from "../../src/cluster/open.ts";
import { parseConfig } from "../../src/config/load.ts";
import { Gateway } from "../../src/gateway/gateway.ts";

const SRC = join(import.meta.dir, "../../src");

/** What `serve` loads before its first answer: the modules these entries import statically. */
const START = ["config/resolve.ts", "gateway/gateway.ts", "server/http/front-end.ts"];

async function staticGraph(entries: string[]): Promise<Set<string>> {
  const result = await Bun.build({
    entrypoints: entries.map((e) => join(SRC, e)),
    target: "bun",
    splitting: true,
    metafile: true,
    throw: false,
  } as Parameters<typeof Bun.build>[0] & { metafile: true; throw: false });
  const meta = (
    result as unknown as {
      metafile: { inputs: Record<string, { imports: { path: string; kind: string }[] }> };
    }
  ).metafile;
  if (!result.success) throw new Error(result.logs.map(String).join("\n"));
  const seen = new Set<string>();
  const todo = Object.keys(meta.inputs).filter((k) => START.some((e) => k.endsWith(`src/${e}`)));
  while (todo.length > 0) {
    const file = todo.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const i of meta.inputs[file]?.imports ?? []) {
      // import() and require() run when reached (config/yaml-library.ts requires yaml on first use).
      if (i.kind !== "dynamic-import" && i.kind !== "require-call" && meta.inputs[i.path]) todo.push(i.path);
    }
  }
  return seen;
}

describe("the start path", () => {
  test("a lone gateway does not load the Redis side (it comes with redis: only)", async () => {
    const graph = [...(await staticGraph(START))].map((f) => f.replace(/^.*src\//, ""));
    expect(graph).toContain("gateway/gateway.ts");
    expect(graph).toContain("server/http/front-end.ts");
    expect(graph.filter((f) => f.startsWith("cluster/")).sort()).toEqual([
      "cluster/config.ts",
      "cluster/open.ts",
      "cluster/replica-ids.ts",
      "cluster/share-failsafe.ts",
    ]);
  });

  test("the SDK's HTTP and SSE clients load with the first HTTP backend, not at start", async () => {
    const graph = [...(await staticGraph(START))];
    expect(graph.some((f) => f.endsWith("src/backends/mcp-backend.ts"))).toBe(true);
    expect(
      graph.filter((f) => /sdk\/dist\/esm\/client\/(streamableHttp|sse)\.js$|\/eventsource\//.test(f)),
    ).toEqual([]);
    expect(graph.some((f) => f.endsWith("src/backends/http-transports.ts"))).toBe(false);
  });

  test("the dashboard's pages load what only they need at their first request", async () => {
    const graph = [...(await staticGraph(START))].map((f) => f.replace(/^.*src\//, ""));
    expect(graph).toContain("dashboard/routes.ts");
    for (const lazy of ["auth/manage.ts", "auth/keys.ts", "config/mask.ts", "dashboard/usage-report.ts"]) {
      expect(graph).not.toContain(lazy);
    }
  });

  test("tool search (minisearch, the stemmer, word tables, semantic side) loads at the first query", async () => {
    const graph = [...(await staticGraph(START))];
    expect(graph.some((f) => f.endsWith("src/catalog/lazy-search.ts"))).toBe(true);
    for (const lazy of ["search.ts", "semantic.ts", "vectors.ts", "embedder.ts", "related-words.ts"]) {
      expect(graph.some((f) => f.endsWith(`src/catalog/${lazy}`))).toBe(false);
    }
    expect(graph.filter((f) => /node_modules\/(minisearch|stemmer)\//.test(f))).toEqual([]);
  });

  test("no capability parser, no yaml library: a plain config and no capability files need neither", async () => {
    const graph = [...(await staticGraph(START))];
    expect(graph.some((f) => f.endsWith("src/capabilities/backend.ts"))).toBe(true);
    for (const lazy of ["capabilities/load.ts", "capabilities/schema.ts", "capabilities/execute.ts"]) {
      expect(graph.some((f) => f.endsWith(`src/${lazy}`))).toBe(false);
    }
    expect(graph.filter((f) => f.includes("node_modules/yaml/"))).toEqual([]);
  });

  test("without redis: there is no cluster; with it, Gateway.open brings one and fromConfig refuses", async () => {
    expect(await openCluster(undefined, { log: console, env: {} })).toBeUndefined();
    const { config } = parseConfig("redis:\n  url: redis://127.0.0.1:1\n", { file: "gw.yaml", env: {} });
    expect(() => Gateway.fromConfig(config)).toThrow(/Gateway\.open/);
    const gateway = await Gateway.open(config);
    expect(gateway.cluster?.snapshot().redis).toBe("down");
    await gateway.stop();
  });
});
