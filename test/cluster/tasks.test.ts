import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { RedisClient } from "bun";
import { connectHttp, RawResult, startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { BUN, ROOT } from "../helpers/paths.ts";
import { waitFor } from "../helpers/process.ts";
import { REDIS_SERVER, RedisServer } from "./harness.ts";

// Two gateways in this process sharing a real redis-server, each with its own process of the stdio task
// fixture: a task's route reaches the other replica through Redis, which then says where the task is
// instead of asking its own process about an id that process never made (the fixture's ids are counted,
// so it would answer about another task).
const FIXTURE = join(ROOT, "test/fixtures/task-server.ts");
const describeRedis = REDIS_SERVER ? describe : describe.skip;
if (!REDIS_SERVER)
  console.warn("cluster task test skipped: redis-server not installed (apt-get install -y redis-server)");

type Raw = Record<string, unknown>;
const call = (client: Client, method: string, params: Raw) =>
  client.request({ method, params } as never, RawResult) as Promise<Raw>;

describeRedis("task routes across replicas (redis)", () => {
  let redis: RedisServer;
  const replicas: TestGateway[] = [];
  const clients: Client[] = [];
  const prefix = `tasks-${process.pid}:`;

  beforeAll(async () => {
    redis = new RedisServer();
    await redis.start();
    const yaml = `capabilities: { enabled: false }
redis: { url: "${redis.url}", key_prefix: "${prefix}" }
backends:
  a:
    command: '"${BUN}" "${FIXTURE}"'
`;
    for (let i = 0; i < 2; i++) replicas.push(await startTestGateway(yaml));
    await waitFor("both replicas to reach redis", () =>
      replicas.every((r) => r.gateway.cluster?.link?.up) ? true : undefined,
    );
  }, 60_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await Promise.all(replicas.map((r) => r.stop()));
    await redis?.stop();
  });

  test("the route is in Redis with the task's ttl; the other replica names where the task runs", async () => {
    const [one, two] = replicas as [TestGateway, TestGateway];
    const first = await connectHttp(new URL("/mcp/a", one.http.url));
    const second = await connectHttp(new URL("/mcp/a", two.http.url));
    clients.push(first, second);
    const created = await call(first, "tools/call", {
      name: "hold",
      arguments: { label: "r" },
      task: { ttl: 20_000 },
    });
    const taskId = (created.task as { taskId: string }).taskId;

    const store = new RedisClient(redis.url);
    const key = `${prefix}task:direct:a:${taskId}`;
    const stored = await waitFor("the route in redis", async () => (await store.get(key)) ?? undefined);
    expect(JSON.parse(stored)).toMatchObject({ backend: "a", taskId, tool: "hold", principal: "anonymous" });
    const ttl = Number(await store.send("PTTL", [key]));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(20_000);

    const refused = await call(second, "tasks/get", { taskId }).then(
      () => undefined,
      (error: { message: string }) => error,
    );
    expect(refused?.message).toContain("another replica's process of the stdio backend");
    // The route survives the refusal, and the creating replica still answers.
    expect(await store.get(key)).not.toBeNull();
    expect(await call(first, "tasks/get", { taskId })).toMatchObject({ taskId, status: "working" });
    // An id no replica made is unknown on both.
    for (const client of [first, second]) {
      const unknown = await call(client, "tasks/get", { taskId: "task-999" }).catch(
        (e: { code: number }) => e,
      );
      expect((unknown as { code: number }).code).toBe(-32602);
    }
    await call(first, "tasks/cancel", { taskId });
    store.close();
  });
});
