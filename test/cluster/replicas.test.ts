import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  Client as ModernClient,
  StreamableHTTPClientTransport as ModernTransport,
} from "@modelcontextprotocol/client";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ResourceListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { RedisClient } from "bun";
import { type ConformanceHttpServer, serveConformanceHttp } from "../fixtures/conformance-server.ts";
import { tempDir } from "../helpers/gateway.ts";
import { type GatewayProcess, waitFor } from "../helpers/process.ts";
import { freePort, Haproxy, health, MISSING, RedisServer, startReplicas, untilShared } from "./harness.ts";

if (MISSING) console.warn(MISSING);

type Json = Record<string, unknown>;

const describeCluster = MISSING ? describe.skip : describe;

describeCluster("three replicas behind HAProxy round-robin, sharing one redis-server", () => {
  let redis: RedisServer;
  let haproxy: Haproxy;
  let backend: ConformanceHttpServer;
  let replicas: GatewayProcess[];
  const closedPort = freePort();

  beforeAll(async () => {
    const dir = tempDir("mcp-gateway-cluster-");
    redis = new RedisServer();
    await redis.start();
    backend = serveConformanceHttp(0);
    const config = join(dir, "gateway.yaml");
    writeFileSync(
      config,
      `capabilities: { enabled: false }
lifecycle: { lazy: false }
redis:
  url: "${redis.url}"
  key_prefix: "test-${process.pid}:"
  retry_interval: 200ms
failsafe:
  retry: { max_attempts: 1 }
backends:
  shared:
    http_url: "${backend.url.href}"
    description: "One HTTP server every replica calls"
    failsafe:
      rate_limit: { requests_per_second: 1, burst: 4 }
  notifier:
    http_url: "${backend.url.href}"
    description: "The same server, unlimited, for notifications"
  down:
    http_url: "http://127.0.0.1:${closedPort}/mcp"
    description: "Nothing listens here"
    failsafe:
      circuit_breaker: { failure_threshold: 2, reset_timeout: 5m }
`,
    );
    replicas = await startReplicas(3, config);
    await untilShared(replicas);
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

  /** An SDK 1.x client through HAProxy that records which replica answered each HTTP request. */
  async function sessionClient(seen: string[]): Promise<Client> {
    const client = new Client({ name: "cluster-test", version: "1.0.0" }, { capabilities: {} });
    const transport = new StreamableHTTPClientTransport(new URL("/mcp", haproxy.url), {
      fetch: recording(seen),
    });
    await client.connect(transport);
    return client;
  }

  /** Records, per POST, the replica HAProxy sent it to. */
  function recording(
    seen: string[],
  ): (input: string | URL | Request, init?: RequestInit) => Promise<Response> {
    return async (input, init) => {
      const response = await fetch(input, init);
      const replica = response.headers.get("x-replica");
      if (replica && (init?.method ?? "GET") === "POST") seen.push(replica);
      return response;
    };
  }

  function invoke(client: Client, server: string, tool: string, args: Json = {}): Promise<Json> {
    return client.callTool({
      name: "gateway_invoke",
      arguments: { server, tool, arguments: args },
    }) as Promise<Json>;
  }

  test("one 2025-11-25 session keeps working while its requests alternate replicas", async () => {
    const seen: string[] = [];
    const client = await sessionClient(seen);
    for (let i = 0; i < 6; i++) {
      const tools = await client.listTools();
      expect(tools.tools.map((t) => t.name)).toContain("gateway_invoke");
    }
    expect(new Set(seen).size).toBe(3);
    await client.close();
  });

  test("a forged or altered session id is an unknown session on every replica (404)", async () => {
    const client = await sessionClient([]);
    const id = (client.transport as StreamableHTTPClientTransport).sessionId ?? "";
    expect(id.startsWith("s1.")).toBe(true);
    const altered = `${id.slice(0, 10)}${id[10] === "A" ? "B" : "A"}${id.slice(11)}`;
    for (const replica of replicas) {
      for (const bad of [altered, "s1.e30.AAAA", "not-a-session"]) {
        const response = await fetch(new URL("/mcp", replica.url), {
          method: "POST",
          headers: {
            "content-type": "application/json",
            accept: "application/json, text/event-stream",
            "mcp-session-id": bad,
          },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
        });
        expect(response.status).toBe(404);
      }
    }
    await client.close();
  });

  test("a list change seen by one replica's backend reaches a session held by another", async () => {
    const [first, , third] = replicas as [GatewayProcess, GatewayProcess, GatewayProcess];
    let heard = 0;
    const listener = new Client({ name: "listener", version: "1.0.0" });
    listener.setNotificationHandler(ResourceListChangedNotificationSchema, () => {
      heard++;
    });
    await listener.connect(new StreamableHTTPClientTransport(new URL("/mcp", third.url)));
    const trigger = new Client({ name: "trigger", version: "1.0.0" });
    await trigger.connect(new StreamableHTTPClientTransport(new URL("/mcp", first.url)));
    // Only the first replica's connection to the backend is told; the third hears it through redis.
    // (Repeated until heard: the listener's GET stream opens a moment after it connected.)
    await waitFor("the list change to cross replicas", async () => {
      const result = await invoke(trigger, "notifier", "test_dynamic_tool", { kind: "resource" });
      expect(result.isError).toBeFalsy();
      return heard > 0 || undefined;
    });
    await Promise.all([listener.close(), trigger.close()]);
  });

  test("usage and audit counters of all replicas add up in redis", async () => {
    const seen: string[] = [];
    const client = await sessionClient(seen);
    for (let i = 0; i < 6; i++) {
      expect((await invoke(client, "notifier", "test_simple_text")).isError).toBeFalsy();
    }
    await client.close();
    expect(new Set(seen).size).toBe(3);
    const day = new Date().toISOString().slice(0, 10);
    const probe = new RedisClient(redis.url);
    const prefix = `test-${process.pid}:`;
    await waitFor("the counts to be flushed", async () => {
      const calls = await probe.send("HGET", [`${prefix}usage:${day}`, "notifier/test_simple_text:calls"]);
      return calls === "6" || undefined;
    });
    expect(
      Number(await probe.send("HGET", [`${prefix}audit:${day}`, "anonymous:success"])),
    ).toBeGreaterThanOrEqual(6);
    probe.close();
  });

  test("a session its client ended (DELETE) is rebuilt by no replica", async () => {
    const client = await sessionClient([]);
    const transport = client.transport as StreamableHTTPClientTransport;
    const id = transport.sessionId ?? "";
    await transport.terminateSession();
    await client.close();
    for (const replica of replicas) {
      await waitFor("every replica to refuse the ended session", async () => {
        const response = await fetch(new URL("/mcp", replica.url), {
          method: "POST",
          headers: {
            "content-type": "application/json",
            accept: "application/json, text/event-stream",
            "mcp-session-id": id,
          },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
        });
        return response.status === 404 || undefined;
      });
    }
  });

  test("a breaker opened on one replica is open on all", async () => {
    const [first, second, third] = replicas as [GatewayProcess, GatewayProcess, GatewayProcess];
    // Straight to the first replica, twice: the failure threshold is 2.
    const direct = new Client({ name: "direct", version: "1.0.0" });
    await direct.connect(new StreamableHTTPClientTransport(new URL("/mcp", first.url)));
    for (let i = 0; i < 2; i++) {
      const result = await invoke(direct, "down", "anything");
      expect(result.isError).toBe(true);
    }
    await direct.close();
    expect((await health(first.url)).backends.down?.circuit).toBe("open");
    // The others never called it, yet their circuits open from the first one's announcement.
    for (const replica of [second, third]) {
      await waitFor("the circuit to open on another replica", async () =>
        (await health(replica.url)).backends.down?.circuit === "open" ? true : undefined,
      );
    }
    const other = new Client({ name: "other", version: "1.0.0" });
    await other.connect(new StreamableHTTPClientTransport(new URL("/mcp", third.url)));
    const refused = await invoke(other, "down", "anything");
    expect(JSON.stringify(refused.content)).toContain("circuit open");
    await other.close();
  });

  test("a backend's rate limit holds across replicas, not per replica", async () => {
    const seen: string[] = [];
    const client = await sessionClient(seen);
    const started = performance.now();
    let accepted = 0;
    let limited = 0;
    for (let i = 0; i < 18; i++) {
      const result = await invoke(client, "shared", "test_simple_text");
      if (!result.isError) accepted++;
      else if (JSON.stringify(result.content).includes("rate limit")) limited++;
    }
    const elapsedS = (performance.now() - started) / 1000;
    await client.close();
    expect(new Set(seen).size).toBe(3);
    // One bucket of 4 refilled at 1/s for the whole run; per-replica buckets would let 12 through at once.
    expect(accepted).toBeGreaterThanOrEqual(4);
    expect(accepted).toBeLessThanOrEqual(4 + Math.ceil(elapsedS) + 1);
    expect(accepted + limited).toBe(18);
  });

  test("a 2026-07-28 client is served by whichever replica gets each request", async () => {
    const seen: string[] = [];
    const client = new ModernClient(
      { name: "cluster-modern", version: "1.0.0" },
      { versionNegotiation: { mode: "auto" } },
    );
    await client.connect(new ModernTransport(new URL("/mcp", haproxy.url), { fetch: recording(seen) }));
    for (let i = 0; i < 6; i++) {
      const result = await client.callTool({ name: "gateway_list_servers", arguments: {} });
      expect(JSON.stringify(result.content)).toContain("shared");
    }
    expect(new Set(seen).size).toBe(3);
    await client.close();
  });

  test("redis restarted mid-run: every replica keeps serving on its own state, logs it once, and recovers", async () => {
    const seen: string[] = [];
    const client = await sessionClient(seen);
    await redis.stop();
    // Calls during the outage are served (local buckets and breakers), by every replica.
    for (let i = 0; i < 9; i++) {
      const result = await client.callTool({ name: "gateway_list_servers", arguments: {} });
      expect(result.isError).toBeFalsy();
    }
    expect(new Set(seen).size).toBe(3);
    // A shared backend's limit falls back to each replica's own bucket: answered or refused, never stuck.
    for (let i = 0; i < 6; i++) {
      const result = await invoke(client, "shared", "test_simple_text");
      if (result.isError) expect(JSON.stringify(result.content)).toContain("rate limit");
    }
    await waitFor("every replica to notice", async () => {
      const states = await Promise.all(replicas.map((r) => health(r.url).then((h) => h.cluster?.redis)));
      return states.every((s) => s === "down") || undefined;
    });
    await redis.start();
    await untilShared(replicas);
    for (const replica of replicas) {
      expect(replica.stderr().match(/unreachable/g)?.length).toBe(1);
      expect(replica.stderr()).toContain("is back: shared state resumes");
    }
    // Shared state is written again: the restarted (empty) redis gets the rate bucket of the next call.
    await invoke(client, "shared", "test_simple_text");
    const probe = new RedisClient(redis.url);
    expect(await probe.send("EXISTS", [`test-${process.pid}:rate:backend:shared`])).toBe(1);
    probe.close();
    await client.close();
  });

  test("a replica killed mid-session: the session carries on on the others", async () => {
    const seen: string[] = [];
    const client = await sessionClient(seen);
    for (let i = 0; i < 3; i++) await client.listTools();
    const victim = replicas[1] as GatewayProcess;
    victim.proc.kill("SIGKILL");
    await victim.proc.exited;
    const after: string[] = [];
    seen.length = 0;
    for (let i = 0; i < 6; i++) {
      const tools = await client.listTools();
      expect(tools.tools.map((t) => t.name)).toContain("gateway_invoke");
      after.push(...seen.splice(0));
    }
    expect(after).not.toContain("r2");
    expect(new Set(after).size).toBe(2);
    await client.close();
  });
});
