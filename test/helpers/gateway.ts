import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { z } from "zod";
import { openCluster } from "../../src/cluster/open.ts";
import { parseConfig } from "../../src/config/load.ts";
import type { Surface } from "../../src/gateway/call-context.ts";
import { GatewayCore } from "../../src/gateway/core.ts";
import { Gateway } from "../../src/gateway/gateway.ts";
import { log } from "../../src/log.ts";
import { type HttpFrontEnd, startHttpFrontEnd } from "../../src/server/http/front-end.ts";
import { serverCommand } from "./paths.ts";

/** Any result object, kept exactly as received (for relaying checks and the fault benchmark). */
export const RawResult = z.looseObject({});

/** A gateway running in this process on a free loopback port. */
export interface TestGateway {
  gateway: Gateway;
  /** The services behind the facade, for tests that inspect backends and policies. */
  core: GatewayCore;
  http: HttpFrontEnd;
  mcpUrl: URL;
  stop(): Promise<void>;
}

/** Starts a gateway from YAML text and waits until every backend has started or failed. */
export async function startTestGateway(
  yaml: string,
  surface: Surface = { kind: "meta" },
): Promise<TestGateway> {
  const { config } = parseConfig(yaml, { file: "test.yaml" });
  // Each gateway gets its own manifest cache, so one test's remembered tools never make another lazy.
  config.lifecycle.cache_dir ??= tempDir("mcp-gateway-cache-");
  const cluster = await openCluster(config.redis, { log: log.withTag("cluster") });
  const core = new GatewayCore(config, { cluster });
  const gateway = new Gateway(core);
  gateway.start();
  await gateway.ready;
  const http = startHttpFrontEnd(gateway, { host: "127.0.0.1", port: 0, surface });
  return {
    gateway,
    core,
    http,
    mcpUrl: new URL("/mcp", http.url),
    stop: async () => {
      await http.stop();
      await gateway.stop();
    },
  };
}

/** An SDK client connected over Streamable HTTP. */
export async function connectHttp(url: URL, capabilities: Record<string, unknown> = {}): Promise<Client> {
  const client = new Client({ name: "gateway-test", version: "1.0.0" }, { capabilities });
  await client.connect(new StreamableHTTPClientTransport(url));
  return client;
}

/** A fresh temporary directory. */
export function tempDir(prefix = "mcp-gateway-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** YAML for the standard integration set: everything, memory, filesystem and one broken backend. */
export function standardConfig(dir: string): string {
  return `
server:
  request_timeout: 20s
backends:
  everything:
    command: '${serverCommand("everything", "stdio")}'
    description: "Reference server with echo, sums and images"
  memory:
    command: '${serverCommand("memory")}'
    description: "Knowledge graph memory"
    env:
      MEMORY_FILE_PATH: "${join(dir, "memory.jsonl")}"
  filesystem:
    command: '${serverCommand("filesystem", dir)}'
    description: "Files under a test directory"
  broken:
    command: "/nonexistent/mcp-server-that-does-not-exist --flag"
    description: "A backend whose command does not exist"
`;
}
