import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { addKey } from "../../src/auth/manage.ts";
import { type ConformanceHttpServer, serveConformanceHttp } from "../fixtures/conformance-server.ts";
import { tempDir } from "../helpers/gateway.ts";
import type { GatewayProcess } from "../helpers/process.ts";
import { Haproxy, MISSING, RedisServer, startReplicas, untilShared } from "./harness.ts";

type Json = Record<string, unknown>;
const describeCluster = MISSING ? describe.skip : describe;

describeCluster("per-key limits across three replicas (auth, redis, haproxy)", () => {
  let redis: RedisServer;
  let haproxy: Haproxy;
  let backend: ConformanceHttpServer;
  let replicas: GatewayProcess[];
  let limitedKey: string;
  let spenderKey: string;

  beforeAll(async () => {
    const dir = tempDir("mcp-gateway-cluster-auth-");
    redis = new RedisServer();
    await redis.start();
    backend = serveConformanceHttp(0);
    const config = join(dir, "gateway.yaml");
    writeFileSync(
      config,
      `capabilities: { enabled: false }
redis: { url: "${redis.url}", key_prefix: "auth-${process.pid}:" }
auth:
  budget: { daily: 5, principals: { "key:limited": 1000 } }
backends:
  shared:
    http_url: "${backend.url.href}"
`,
    );
    const keys = join(dir, "gateway.keys.json");
    limitedKey = await addKey(keys, "limited", { scopes: ["shared"], rate: 2 });
    spenderKey = await addKey(keys, "spender", { scopes: ["shared"] });
    const admin = await addKey(keys, "ops", { scopes: ["admin"] });
    replicas = await startReplicas(3, config);
    await untilShared(replicas, admin);
    haproxy = new Haproxy();
    await haproxy.start(
      dir,
      replicas.map((r) => r.url),
    );
  }, 60_000);

  afterAll(async () => {
    await haproxy?.stop();
    for (const replica of replicas ?? []) replica.proc.kill("SIGKILL");
    await Promise.all((replicas ?? []).map((r) => r.proc.exited));
    await backend?.stop();
    await redis?.stop();
  });

  async function connect(key: string, seen: Set<string>): Promise<Client> {
    const client = new Client({ name: "cluster-auth", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL("/mcp", haproxy.url), {
        requestInit: { headers: { authorization: `Bearer ${key}` } },
        fetch: async (input, init) => {
          const response = await fetch(input, init);
          const replica = response.headers.get("x-replica");
          if (replica) seen.add(replica);
          return response;
        },
      }),
    );
    return client;
  }

  async function calls(client: Client, count: number): Promise<string[]> {
    const outcomes: string[] = [];
    for (let i = 0; i < count; i++) {
      const result = (await client.callTool({
        name: "gateway_invoke",
        arguments: { server: "shared", tool: "test_simple_text", arguments: {} },
      })) as Json;
      const text = JSON.stringify(result.content);
      outcomes.push(
        !result.isError
          ? "ok"
          : text.includes("per second")
            ? "rate"
            : text.includes("budget")
              ? "budget"
              : text,
      );
    }
    return outcomes;
  }

  test("a key's rate limit is one bucket for all replicas", async () => {
    const seen = new Set<string>();
    const client = await connect(limitedKey, seen);
    const started = performance.now();
    const outcomes = await calls(client, 12);
    const elapsedS = (performance.now() - started) / 1000;
    await client.close();
    expect(seen.size).toBe(3);
    const ok = outcomes.filter((o) => o === "ok").length;
    expect(outcomes.filter((o) => o !== "ok" && o !== "rate")).toEqual([]);
    // Burst 2 refilled at 2/s; a bucket per replica would let 6 through at once.
    expect(ok).toBeGreaterThanOrEqual(2);
    expect(ok).toBeLessThanOrEqual(2 + Math.ceil(elapsedS * 2) + 1);
  });

  test("a daily budget is spent once across replicas", async () => {
    const seen = new Set<string>();
    const client = await connect(spenderKey, seen);
    const outcomes = await calls(client, 9);
    await client.close();
    expect(seen.size).toBe(3);
    // 5 a day in all, not 5 per replica.
    expect(outcomes).toEqual(["ok", "ok", "ok", "ok", "ok", "budget", "budget", "budget", "budget"]);
  });
});
