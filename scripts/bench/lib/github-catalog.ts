/**
 * The GitHub REST catalog for search benches: every operation of `@octokit/openapi` imported with `cap import`
 * (1,221 tools), vendored as scripts/bench/data/github-tools.json.gz (name, description, inputSchema) so the
 * bench runs from a clone without the 385 MB spec package or the 14 s import.
 *
 * Rebuild: npm install --no-save @octokit/openapi@23.0.2
 *          bun src/main.ts cap import node_modules/@octokit/openapi/generated/api.github.com.json -o DIR --prefix gh
 *          bun scripts/bench/lib/github-catalog.ts DIR
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { listCapabilityFiles } from "../../../src/capabilities/directory.ts";
import { parseCapability } from "../../../src/capabilities/load.ts";
import type { CatalogServer } from "../../../test/fixtures/catalog-server.ts";
import { BENCH_DIR } from "./paths.ts";

const FILE = join(BENCH_DIR, "data/github-tools.json.gz");

/** The GitHub catalog as one server (`github`), read from the vendored file. */
export function githubServers(): CatalogServer[] {
  const tools = JSON.parse(new TextDecoder().decode(Bun.gunzipSync(readFileSync(FILE)))) as Tool[];
  return [
    {
      key: "github",
      title: "GitHub REST API",
      description: "GitHub's REST API (imported from its OpenAPI description)",
      category: "development",
      tools,
    },
  ];
}

if (import.meta.main) {
  const dir = process.argv[2];
  if (!dir) throw new Error("usage: bun scripts/bench/lib/github-catalog.ts CAPABILITY_DIR");
  const tools: Tool[] = [];
  for (const path of listCapabilityFiles(dir)) {
    const parsed = parseCapability(readFileSync(path, "utf8"), { source: path });
    if (!parsed.ok) throw new Error(parsed.problems.join("\n"));
    const { name, description, inputSchema } = parsed.capability.tool;
    tools.push({ name, description, inputSchema });
  }
  tools.sort((a, b) => (a.name < b.name ? -1 : 1));
  writeFileSync(FILE, Bun.gzipSync(new TextEncoder().encode(JSON.stringify(tools)), { level: 9 }));
  console.error(`${tools.length} tools → ${FILE}`);
}
