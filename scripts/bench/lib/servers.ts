import { join } from "node:path";
import { loadCatalog } from "../../../test/fixtures/catalog-server.ts";
import { benchTempDir } from "./bench-dirs.ts";
import type { BackendSpec } from "./mcp.ts";
import { BUN, bin, CATALOG_FIXTURE, LIVEMCPBENCH_TOOLS, ROOT } from "./paths.ts";

function scratch(): string {
  return benchTempDir("data-");
}

/** (a) the example config shipped in examples/gateway.yaml, with absolute commands. */
export function exampleBackends(): Record<string, BackendSpec> {
  const dir = scratch();
  return {
    everything: {
      command: `${bin("mcp-server-everything")} stdio`,
      description: "MCP reference server: echo, sums, images, long-running tasks, resources and prompts",
    },
    memory: {
      command: bin("mcp-server-memory"),
      env: { MEMORY_FILE_PATH: join(dir, "memory.jsonl") },
      description: "Knowledge graph memory: entities, relations and observations",
    },
    filesystem: {
      command: bin("mcp-server-filesystem"),
      args: [ROOT],
      description: "Read, write, search and list files under the allowed directory",
    },
  };
}

/** (b) the ten offline npm servers of MCP-FIELD-NOTES (177 tools). */
export function tenServers(): Record<string, BackendSpec> {
  const dir = scratch();
  return {
    ...exampleBackends(),
    "sequential-thinking": {
      command: bin("mcp-server-sequential-thinking"),
      description: "Step-by-step reasoning",
    },
    github: {
      command: bin("mcp-server-github"),
      env: { GITHUB_PERSONAL_ACCESS_TOKEN: "dummy" },
      description: "GitHub issues, PRs, repos",
    },
    playwright: { command: `${bin("playwright-mcp")} --headless`, description: "Browser automation" },
    "chrome-devtools": {
      command: `${bin("chrome-devtools-mcp")} --no-usage-statistics --headless`,
      description: "Chrome DevTools",
    },
    notion: {
      command: bin("notion-mcp-server"),
      env: { NOTION_TOKEN: "dummy" },
      description: "Notion pages and databases",
    },
    context7: {
      command: bin("context7-mcp"),
      env: { OTEL_SDK_DISABLED: "true" },
      description: "Library documentation",
    },
    git: {
      command: bin("git-mcp-server"),
      env: { MCP_LOG_LEVEL: "error", GIT_BASE_DIR: dir },
      description: "Git repositories",
    },
  };
}

/** (c) the LiveMCPBench catalog: one fixture backend per server (70 servers, 527 tools). */
export function liveMcpBenchBackends(): Record<string, BackendSpec> {
  const out: Record<string, BackendSpec> = {};
  for (const server of loadCatalog()) {
    out[server.key] = {
      command: `${BUN} ${CATALOG_FIXTURE}`,
      args: ["--server", server.key, "--catalog", LIVEMCPBENCH_TOOLS],
      description: server.description,
    };
  }
  return out;
}

/** One backend serving `copies` × the whole catalog (527 × copies tools). */
export function syntheticBackend(copies: number): BackendSpec {
  return {
    command: `${BUN} ${CATALOG_FIXTURE}`,
    args: ["--all", "--copies", String(copies), "--catalog", LIVEMCPBENCH_TOOLS],
    description: "LiveMCPBench catalog",
  };
}

/** 100 small backends (the catalog fixture serving LiveMCPBench's 2-tool "time" server), for scale runs. */
export function hundredBackends(): Record<string, BackendSpec> {
  const out: Record<string, BackendSpec> = {};
  for (let n = 0; n < 100; n++) {
    out[`time-${n}`] = {
      command: `${BUN} ${CATALOG_FIXTURE}`,
      args: ["--server", "time", "--catalog", LIVEMCPBENCH_TOOLS],
      description: "time",
    };
  }
  return out;
}
