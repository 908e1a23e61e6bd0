import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { TaskStatusNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { addKey } from "../../src/auth/manage.ts";
import { type AuthGateway, connectWithKey, startAuthGateway } from "../auth/helpers.ts";
import { connectHttp, RawResult, startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { BUN, ROOT, serverCommand } from "../helpers/paths.ts";

// Two instances of one 2025-11-25 task server (ids task-1, task-2, … each: they collide on purpose), a
// backend without tasks, and server-everything (real tasks: simulate-research-query), behind a gateway
// with API keys, so two principals can be told apart.
const TASKS = join(ROOT, "test/fixtures/task-server.ts");
const ECHO = join(ROOT, "test/fixtures/meta-echo-server.ts");
const YAML = `capabilities: { enabled: false }
auth: {}
backends:
  a:
    command: '"${BUN}" "${TASKS}"'
  b:
    command: '"${BUN}" "${TASKS}"'
  plain:
    command: '"${BUN}" "${ECHO}"'
  everything:
    command: '${serverCommand("everything", "stdio")}'
`;

let gw: AuthGateway;
let alice: string;
let bob: string;
const clients: Client[] = [];

async function connect(path: string, key = alice): Promise<Client> {
  const client = await connectWithKey(new URL(path, gw.url), key);
  clients.push(client);
  return client;
}
const transparentUrl = () => new URL("/mcp", gw.transparent.url).href;

type Raw = Record<string, unknown>;
const call = (client: Client, method: string, params: Raw) =>
  client.request({ method, params } as never, RawResult) as Promise<Raw>;
const taskOf = (created: Raw) => created.task as { taskId: string; status: string; ttl: number };

/** The error a request ends with (its JSON-RPC code and message). */
async function failure(promise: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code: number; message: string };
  }
  throw new Error("expected the request to fail");
}

beforeAll(async () => {
  gw = await startAuthGateway(YAML);
  alice = await addKey(gw.keysPath, "alice", { scopes: ["a", "b", "plain", "everything"] });
  bob = await addKey(gw.keysPath, "bob", { scopes: ["a", "b", "plain", "everything"] });
  gw.auth?.reloadKeys();
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  await gw?.stop();
});

describe("2025-11-25 tasks through /mcp/{backend}", () => {
  test("advertises tasks only where the backend runs tool tasks", async () => {
    const direct = await connect("/mcp/a");
    expect(direct.getServerCapabilities()?.tasks).toEqual({
      list: {},
      cancel: {},
      requests: { tools: { call: {} } },
    });
    const plain = await connect("/mcp/plain");
    expect(plain.getServerCapabilities()?.tasks).toBeUndefined();
    expect((await failure(call(plain, "tasks/get", { taskId: "task-1" }))).code).toBe(-32601);
    const meta = await connect("/mcp");
    expect(meta.getServerCapabilities()?.tasks).toBeUndefined();
  });

  test("relays a task-augmented call, its status notification, tasks/get, tasks/result and tasks/list", async () => {
    const client = await connect("/mcp/a");
    const statuses: Raw[] = [];
    let heard: () => void = () => undefined;
    const completed = new Promise<void>((resolve) => {
      heard = resolve;
    });
    client.setNotificationHandler(TaskStatusNotificationSchema, (n) => {
      statuses.push(n.params);
      if (n.params.status === "completed") heard();
    });
    const created = await call(client, "tools/call", {
      name: "hold",
      arguments: { label: "first" },
      task: { ttl: 30_000 },
    });
    const task = taskOf(created);
    expect(task.status).toBe("working");
    expect(task.ttl).toBe(30_000);
    const got = await call(client, "tasks/get", { taskId: task.taskId });
    expect(got).toMatchObject({ taskId: task.taskId, status: "working" });

    const result = call(client, "tasks/result", { taskId: task.taskId });
    await call(client, "tools/call", { name: "release", arguments: { taskId: task.taskId } });
    expect(await result).toMatchObject({ content: [{ type: "text", text: "released first" }] });
    await completed;
    expect(statuses.at(-1)).toMatchObject({ taskId: task.taskId, status: "completed" });

    const listed = await call(client, "tasks/list", {});
    const ids = (listed.tasks as { taskId: string; status: string }[]).map((t) => t.taskId);
    expect(ids).toContain(task.taskId);
  });

  test("tasks/cancel reaches the backend; a plain call still runs at once", async () => {
    const client = await connect("/mcp/a");
    const task = taskOf(
      await call(client, "tools/call", { name: "hold", arguments: { label: "x" }, task: {} }),
    );
    const holds = () => gw.gateway.usage().find((u) => u.backend === "a" && u.tool === "hold")?.calls ?? 0;
    const before = holds();
    await call(client, "tasks/get", { taskId: task.taskId });
    const cancelled = await call(client, "tasks/cancel", { taskId: task.taskId });
    expect(cancelled).toMatchObject({ taskId: task.taskId, status: "cancelled" });
    // The task's follow-ups are not calls of its tool: stats count the one call that made it.
    expect(before).toBeGreaterThan(0);
    expect(holds()).toBe(before);
    expect(await call(client, "tools/call", { name: "plain", arguments: {} })).toMatchObject({
      content: [{ text: "plain" }],
    });
  });

  test("an unknown task id and malformed params get clear JSON-RPC errors", async () => {
    const client = await connect("/mcp/a");
    const unknown = await failure(call(client, "tasks/get", { taskId: "no-such-task" }));
    expect(unknown.code).toBe(-32602);
    expect(unknown.message).toContain('Unknown task "no-such-task"');
    expect((await failure(call(client, "tasks/result", { taskId: 42 }))).code).toBe(-32602);
    expect((await failure(call(client, "tasks/get", {}))).code).toBe(-32602);
    expect((await failure(call(client, "tasks/list", { cursor: "x" }))).code).toBe(-32602);
  });

  test("another principal's task id is not found, and not listed", async () => {
    const mine = await connect("/mcp/b");
    const theirs = await connect("/mcp/b", bob);
    const task = taskOf(
      await call(mine, "tools/call", { name: "hold", arguments: { label: "p" }, task: {} }),
    );
    const refused = await failure(call(theirs, "tasks/get", { taskId: task.taskId }));
    expect(refused.code).toBe(-32602);
    expect(refused.message).toContain("Unknown task");
    expect((await failure(call(theirs, "tasks/cancel", { taskId: task.taskId }))).code).toBe(-32602);
    const listed = (await call(theirs, "tasks/list", {})).tasks as { taskId: string }[];
    expect(listed.map((t) => t.taskId)).not.toContain(task.taskId);
    // The owner's other session finds it (tasks belong to the principal, not the connection).
    const again = await connect("/mcp/b");
    expect(await call(again, "tasks/get", { taskId: task.taskId })).toMatchObject({ status: "working" });
    await call(mine, "tasks/cancel", { taskId: task.taskId });
  });

  test("server-everything's simulate-research-query runs as a task; its status notifications reach the caller", async () => {
    const client = await connect("/mcp/everything");
    expect(client.getServerCapabilities()?.tasks?.requests?.tools?.call).toEqual({});
    const statuses: string[] = [];
    let done: () => void = () => undefined;
    const completed = new Promise<void>((resolve) => {
      done = resolve;
    });
    client.setNotificationHandler(TaskStatusNotificationSchema, (n) => {
      statuses.push(n.params.status);
      if (n.params.status === "completed") done();
    });
    const task = taskOf(
      await call(client, "tools/call", {
        name: "simulate-research-query",
        arguments: { topic: "gateways" },
        task: { ttl: 60_000 },
      }),
    );
    expect(task.status).toBe("working");
    await completed; // four stages, a status notification each, then completed
    expect(statuses.length).toBeGreaterThan(2);
    const result = await call(client, "tasks/result", { taskId: task.taskId });
    expect(JSON.stringify(result.content)).toContain("Research Report: gateways");
    expect(await call(client, "tasks/get", { taskId: task.taskId })).toMatchObject({ status: "completed" });
  }, 30_000);
});

describe("2025-11-25 tasks through transparent /mcp", () => {
  test("ids of two backends that collide are told apart (<backend>/<id>) and each routed to its owner", async () => {
    const client = await connectWithKey(new URL(transparentUrl()), alice);
    clients.push(client);
    expect(client.getServerCapabilities()?.tasks?.requests?.tools?.call).toEqual({});
    // Fresh backends' counters differ by what earlier tests created; start one more on each until equal.
    const onA = taskOf(
      await call(client, "tools/call", { name: "a__hold", arguments: { label: "A" }, task: {} }),
    );
    let onB = taskOf(
      await call(client, "tools/call", { name: "b__hold", arguments: { label: "B" }, task: {} }),
    );
    expect(onA.taskId).toMatch(/^a\/task-\d+$/);
    expect(onB.taskId).toMatch(/^b\/task-\d+$/);
    const n = (id: string) => Number(id.split("-").at(-1));
    while (n(onB.taskId) < n(onA.taskId)) {
      onB = taskOf(
        await call(client, "tools/call", { name: "b__hold", arguments: { label: "B" }, task: {} }),
      );
    }
    expect(n(onB.taskId)).toBe(n(onA.taskId)); // the same backend id, two tasks
    const backendId = `task-${n(onA.taskId)}`;

    const resultA = call(client, "tasks/result", { taskId: onA.taskId });
    const resultB = call(client, "tasks/result", { taskId: onB.taskId });
    await call(client, "tools/call", { name: "a__release", arguments: { taskId: backendId } });
    const a = await resultA;
    expect(a).toMatchObject({ content: [{ text: "released A" }] });
    // The payload's related-task _meta names the id the client knows.
    expect((a._meta as Raw)?.["io.modelcontextprotocol/related-task"]).toEqual({ taskId: onA.taskId });
    expect(await call(client, "tasks/get", { taskId: onB.taskId })).toMatchObject({
      taskId: onB.taskId,
      status: "working",
    });
    await call(client, "tools/call", { name: "b__release", arguments: { taskId: backendId } });
    expect(await resultB).toMatchObject({ content: [{ text: "released B" }] });
    // The backend's bare id means nothing on the shared surface.
    expect((await failure(call(client, "tasks/get", { taskId: backendId }))).code).toBe(-32602);
  });

  test("a task call to a backend without tasks is refused by name", async () => {
    const client = await connectWithKey(new URL(transparentUrl()), alice);
    clients.push(client);
    const refused = await failure(
      call(client, "tools/call", { name: "plain__echo_meta", arguments: {}, task: {} }),
    );
    expect(refused.code).toBe(-32600);
    expect(refused.message).toContain('backend "plain" does not run tools as tasks');
  });
});

describe("2025-11-25 tasks without authentication", () => {
  let open: TestGateway;
  beforeAll(async () => {
    open = await startTestGateway(
      `capabilities: { enabled: false }\nbackends:\n  a:\n    command: '"${BUN}" "${TASKS}"'\n`,
      { kind: "transparent" },
    );
  }, 60_000);
  afterAll(() => open?.stop());

  test("every caller is one principal: ids work from any session, tasks/list shows the session's own", async () => {
    const first = await connectHttp(open.mcpUrl);
    const second = await connectHttp(open.mcpUrl);
    clients.push(first, second);
    const statuses: Raw[] = [];
    let heard: () => void = () => undefined;
    const completed = new Promise<void>((resolve) => {
      heard = resolve;
    });
    first.setNotificationHandler(TaskStatusNotificationSchema, (n) => {
      statuses.push(n.params);
      if (n.params.status === "completed") heard();
    });
    const task = taskOf(
      await call(first, "tools/call", { name: "a__hold", arguments: { label: "o" }, task: {} }),
    );
    expect(task.taskId).toMatch(/^a\/task-\d+$/);
    expect(await call(second, "tasks/get", { taskId: task.taskId })).toMatchObject({ status: "working" });
    const ids = (c: Client) =>
      call(c, "tasks/list", {}).then((r) => (r.tasks as { taskId: string }[]).map((t) => t.taskId));
    expect(await ids(first)).toEqual([task.taskId]);
    expect(await ids(second)).toEqual([]);
    // The status notification names the id the session knows, not the backend's.
    await call(first, "tools/call", { name: "a__release", arguments: { taskId: task.taskId.slice(2) } });
    await completed;
    expect(statuses.at(-1)).toMatchObject({ taskId: task.taskId, status: "completed" });
    expect(await call(first, "tasks/result", { taskId: task.taskId })).toMatchObject({
      content: [{ text: "released o" }],
    });
  });
});
