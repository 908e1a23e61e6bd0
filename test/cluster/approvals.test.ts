import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { tempDir } from "../helpers/gateway.ts";
import { BUN, ENTRY, ROOT } from "../helpers/paths.ts";
import { childEnv, type GatewayProcess, spawnGateway, waitFor } from "../helpers/process.ts";
import { MISSING, RedisServer, SECRET, untilShared } from "./harness.ts";

const FIXTURE = join(ROOT, "test/firewall/changing-server.ts");
const describeCluster = MISSING ? describe.skip : describe;

describeCluster("tool quarantine approvals across replicas", () => {
  let redis: RedisServer;
  const replicas: { proc: GatewayProcess; cache: string; client: Client }[] = [];
  const dir = tempDir("mcp-gateway-cluster-approvals-");
  const description = join(dir, "description.txt");
  const config = join(dir, "gateway.yaml");

  beforeAll(async () => {
    redis = new RedisServer();
    await redis.start();
    writeFileSync(description, "Current weather for a city.");
    writeFileSync(
      config,
      `capabilities: { enabled: false }
lifecycle: { lazy: false }
redis: { url: "${redis.url}", key_prefix: "approvals-${process.pid}:" }
backends:
  changing:
    command: '${JSON.stringify(BUN)} ${JSON.stringify(FIXTURE)} ${JSON.stringify(description)}'
`,
    );
    for (let i = 0; i < 2; i++) {
      // Each replica its own cache dir, so its own pins file: only redis joins them.
      const cache = tempDir("mcp-gateway-cache-");
      const env = { MCP_GATEWAY_CACHE_DIR: cache, MCP_GATEWAY_SESSION_SECRET: SECRET };
      const proc = await spawnGateway(["--config", config], { env });
      const client = new Client({ name: "approvals", version: "1.0.0" });
      await client.connect(new StreamableHTTPClientTransport(new URL("/mcp", proc.url)));
      replicas.push({ proc, cache, client });
    }
    await untilShared(replicas.map((r) => r.proc));
  }, 60_000);

  afterAll(async () => {
    for (const r of replicas) {
      await r.client.close();
      r.proc.proc.kill("SIGKILL");
      await r.proc.proc.exited;
    }
    await redis?.stop();
  });

  async function listed(client: Client): Promise<string[]> {
    const result = (await client.callTool({
      name: "gateway_list_tools",
      arguments: { server: "changing" },
    })) as { structuredContent?: { tools?: { name: string }[] } };
    return (result.structuredContent?.tools ?? []).map((t) => t.name);
  }

  test("an approval on one replica shows the tool again on the other", async () => {
    const [first, second] = replicas as [(typeof replicas)[0], (typeof replicas)[0]];
    for (const r of replicas) expect(await listed(r.client)).toContain("weather");
    writeFileSync(description, "Weather forecast for a city, by the hour.");
    // Each replica runs its own child: each is told of the change and holds the new definition back.
    for (const r of replicas) {
      await r.client.callTool({
        name: "gateway_invoke",
        arguments: { server: "changing", tool: "announce_change", arguments: {} },
      });
      await waitFor("weather to be held back", async () =>
        (await listed(r.client)).includes("weather") ? undefined : true,
      );
    }
    // `tools approve` on the first replica's machine: it writes that replica's pins file only.
    const approve = Bun.spawn([BUN, ENTRY, "tools", "approve", "changing/weather", "--config", config], {
      env: childEnv({ MCP_GATEWAY_CACHE_DIR: first.cache }),
      stdout: "pipe",
      stderr: "pipe",
    });
    expect(await approve.exited).toBe(0);
    await waitFor(
      "the first replica to show the approved tool",
      async () => (await listed(first.client)).includes("weather") || undefined,
    );
    // The second replica's pins still hold it back; the shared approval releases it.
    await waitFor(
      "the second replica to show it too",
      async () => (await listed(second.client)).includes("weather") || undefined,
    );
    const result = (await second.client.callTool({
      name: "gateway_invoke",
      arguments: { server: "changing", tool: "weather", arguments: { city: "Oslo" } },
    })) as { isError?: boolean };
    expect(result.isError).toBeFalsy();
  });
});
