import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Client as ModernClient, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { addKey } from "../../src/auth/manage.ts";
import { type AuthGateway, startAuthGateway } from "../auth/helpers.ts";
import { connectHttp, RawResult, startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { MODERN_FIXTURE, MODERN_TASK_FIXTURE, startModernFixture } from "../helpers/modern-fixture.ts";
import { BUN } from "../helpers/paths.ts";

// The 2026-07-28 tasks extension (SEP-2663) through the gateway, with raw requests (the SDK 2.x client has
// no result kind for `resultType: "task"`) against real 2026-07-28 task backends: two over HTTP (so a task
// id of one can be tried on the other), one over stdio, and a 2026-07-28 backend without the extension.
const VERSION = "2026-07-28";
const TASKS = "io.modelcontextprotocol/tasks";
const DECLARED = { extensions: { [TASKS]: {} } };

type Body = {
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: Record<string, unknown> };
};

/** The headers a 2026-07-28 request carries: Mcp-Name mirrors `name`, `uri` or `taskId` (SEP-2243/2663). */
function headersFor(method: string, params: Record<string, unknown>): Record<string, string> {
  const name = params.name ?? params.uri ?? params.taskId;
  return {
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
    "mcp-protocol-version": VERSION,
    "mcp-method": method,
    ...(typeof name === "string" ? { "mcp-name": name } : {}),
  };
}

/** One raw 2026-07-28 request: its HTTP status and JSON-RPC answer (from a JSON body or an event stream). */
async function rpc(
  url: URL,
  method: string,
  params: Record<string, unknown>,
  options: { capabilities?: Record<string, unknown>; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: Body }> {
  const response = await fetch(url, {
    method: "POST",
    headers: { ...headersFor(method, params), ...options.headers },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method,
      params: {
        ...params,
        _meta: {
          "io.modelcontextprotocol/protocolVersion": VERSION,
          "io.modelcontextprotocol/clientInfo": { name: "tasks-2026-test", version: "1" },
          "io.modelcontextprotocol/clientCapabilities": options.capabilities ?? DECLARED,
        },
      },
    }),
  });
  const raw = await response.text();
  const json = (response.headers.get("content-type") ?? "").includes("text/event-stream")
    ? raw
        .split("\n")
        .filter((line) => line.startsWith("data:"))
        .map((line) => JSON.parse(line.slice(5)) as Body & { id?: unknown })
        .find((message) => message.id === 1)
    : (JSON.parse(raw) as Body);
  return { status: response.status, body: json ?? {} };
}

async function ok(
  url: URL,
  method: string,
  params: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<Record<string, unknown>> {
  const { body } = await rpc(url, method, params, { headers });
  if (!body.result) throw new Error(`${method} failed: ${JSON.stringify(body.error)}`);
  return body.result;
}

/** Polls tasks/get (as a client would, at the task's pollIntervalMs) until the task is in one of `statuses`. */
async function until(url: URL, taskId: string, statuses: string[]): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const task = await ok(url, "tasks/get", { taskId });
    if (statuses.includes(String(task.status))) return task;
    if (Date.now() > deadline) throw new Error(`task ${taskId} stayed ${String(task.status)}`);
    await Bun.sleep(Number(task.pollIntervalMs ?? 100));
  }
}

/** A result less its `_meta`, which must hold only the gateway's own serverInfo (no backend's, no carrier). */
function fields(result: Record<string, unknown>): Record<string, unknown> {
  const { _meta: meta, ...rest } = result;
  expect(meta).toEqual({
    "io.modelcontextprotocol/serverInfo": expect.objectContaining({ name: "mcp-gateway" }),
  });
  return rest;
}

function text(result: unknown): string {
  return (((result as { content?: { text?: string }[] } | undefined)?.content ?? []) as { text?: string }[])
    .map((c) => c.text ?? "")
    .join("");
}

let a: Awaited<ReturnType<typeof startModernFixture>>;
let b: Awaited<ReturnType<typeof startModernFixture>>;
let plain: Awaited<ReturnType<typeof startModernFixture>>;
let direct: TestGateway;
let transparent: TestGateway;
let meta: TestGateway;
const at = (backend: string): URL => new URL(`/mcp/${backend}`, direct.http.url);

beforeAll(async () => {
  [a, b, plain] = await Promise.all([
    startModernFixture(MODERN_TASK_FIXTURE),
    startModernFixture(MODERN_TASK_FIXTURE),
    startModernFixture(MODERN_FIXTURE),
  ]);
  const config = [
    "capabilities: { enabled: false }",
    "backends:",
    `  a:\n    http_url: "${a.url.href}"`,
    `  b:\n    http_url: "${b.url.href}"`,
    `  plain:\n    http_url: "${plain.url.href}"`,
    `  piped:\n    command: '"${BUN}" "${MODERN_TASK_FIXTURE}"'`,
    "",
  ].join("\n");
  [direct, transparent, meta] = await Promise.all([
    startTestGateway(config),
    startTestGateway(config, { kind: "transparent" }),
    startTestGateway(config),
  ]);
});
afterAll(async () => {
  await Promise.all([direct?.stop(), transparent?.stop(), meta?.stop()]);
  for (const fixture of [a, b, plain]) fixture?.proc.kill();
});

describe("the tasks extension advertised", () => {
  test("server/discover names it on /mcp/{backend} of a backend that has it, and only there", async () => {
    const extensions = async (url: URL) =>
      ((await ok(url, "server/discover", {})).capabilities as { extensions?: Record<string, unknown> })
        .extensions;
    expect(await extensions(at("a"))).toEqual({ [TASKS]: {} });
    expect(await extensions(at("piped"))).toEqual({ [TASKS]: {} });
    expect((await extensions(at("plain")))?.[TASKS]).toBeUndefined();
    // transparent /mcp reaches a backend that has it; the meta surface's gateway_invoke never makes tasks
    expect((await extensions(transparent.mcpUrl))?.[TASKS]).toEqual({});
    expect((await extensions(meta.mcpUrl))?.[TASKS]).toBeUndefined();
  });

  test("an SDK 2.x client sees it in the capabilities it negotiated", async () => {
    const client = new ModernClient({ name: "t", version: "1" }, { versionNegotiation: { mode: "auto" } });
    await client.connect(new StreamableHTTPClientTransport(at("a")));
    try {
      expect(client.getNegotiatedProtocolVersion()).toBe(VERSION);
      expect(client.getServerCapabilities()?.extensions?.[TASKS]).toEqual({});
      // a sync tool is still an ordinary call through the SDK
      const greeting = await client.callTool({ name: "greet", arguments: { name: "SDK" } });
      expect(text(greeting)).toBe("Hello, SDK!");
    } finally {
      await client.close();
    }
  });

  test("without it, tasks/get is not a method (-32601)", async () => {
    const { body } = await rpc(at("plain"), "tasks/get", { taskId: "x" });
    expect(body.error?.code).toBe(-32601);
  });
});

describe("tasks relayed through /mcp/{backend}", () => {
  for (const backend of ["a", "piped"]) {
    test(`a task tool's CreateTaskResult comes back flat and tasks/get follows it to completion (${backend})`, async () => {
      const url = at(backend);
      const created = await ok(url, "tools/call", {
        name: "slow_compute",
        arguments: { seconds: 0.2, label: backend },
      });
      expect(Object.keys(fields(created)).sort()).toEqual(
        ["createdAt", "lastUpdatedAt", "pollIntervalMs", "resultType", "status", "taskId", "ttlMs"].sort(),
      );
      expect(created).toMatchObject({ resultType: "task", status: "working", ttlMs: 60_000 });
      expect(typeof created.taskId).toBe("string");
      const taskId = String(created.taskId);
      // created durably: found at once
      expect((await ok(url, "tasks/get", { taskId })).taskId).toBe(taskId);
      const done = await until(url, taskId, ["completed", "failed", "cancelled"]);
      expect(done).toMatchObject({ resultType: "complete", status: "completed", taskId });
      expect(text(done.result)).toBe(`computed ${backend} after 0.2s`);
    });
  }

  test("tasks/cancel stops a running task: an empty ack, then cancelled", async () => {
    const url = at("a");
    const { taskId } = await ok(url, "tools/call", { name: "slow_compute", arguments: { seconds: 60 } });
    const ack = await ok(url, "tasks/cancel", { taskId });
    expect(fields(ack)).toEqual({ resultType: "complete" });
    expect((await ok(url, "tasks/get", { taskId })).status).toBe("cancelled");
  });

  test("tasks/update answers a task's input request; a partial answer keeps the rest pending", async () => {
    const url = at("a");
    const one = String(
      (await ok(url, "tools/call", { name: "confirm_delete", arguments: { filename: "f.txt" } })).taskId,
    );
    const asking = await until(url, one, ["input_required"]);
    expect(Object.keys(asking.inputRequests as object)).toEqual(["confirm"]);
    const ack = await ok(url, "tasks/update", {
      taskId: one,
      inputResponses: { confirm: { action: "accept", content: { confirm: true } } },
    });
    expect(fields(ack)).toEqual({ resultType: "complete" });
    expect(text((await until(url, one, ["completed"])).result)).toBe("deleted f.txt");

    const two = String((await ok(url, "tools/call", { name: "multi_input", arguments: {} })).taskId);
    await until(url, two, ["input_required"]);
    await ok(url, "tasks/update", {
      taskId: two,
      inputResponses: { first: { action: "accept", content: { name: "ada" } } },
    });
    const still = await ok(url, "tasks/get", { taskId: two });
    expect(still.status).toBe("input_required");
    expect(Object.keys(still.inputRequests as object)).toEqual(["second"]);
    await ok(url, "tasks/update", {
      taskId: two,
      inputResponses: { second: { action: "accept", content: { name: "bob" } } },
    });
    expect(text((await until(url, two, ["completed"])).result)).toBe("got ada and bob");
  });

  test("a protocol error fails the task with the backend's error inlined", async () => {
    const url = at("a");
    const { taskId } = await ok(url, "tools/call", { name: "protocol_error_job", arguments: {} });
    const failed = await until(url, String(taskId), ["failed", "completed"]);
    expect(failed.status).toBe("failed");
    expect(failed.error).toEqual({ code: -32603, message: "the job's worker crashed" });
    expect(failed.result).toBeUndefined();
  });

  test("an MRTR round, then a task: the backend's input_required and requestState pass as they are", async () => {
    const url = at("a");
    const first = await ok(url, "tools/call", { name: "test_tool_with_task", arguments: {} });
    expect(first.resultType).toBe("input_required");
    expect(first.requestState).toBe(btoa("test_tool_with_task:asked"));
    const second = await ok(url, "tools/call", {
      name: "test_tool_with_task",
      arguments: {},
      inputResponses: { user_name: { action: "accept", content: { name: "Alice" } } },
      requestState: first.requestState,
    });
    expect(second.resultType).toBe("task");
    expect(second.requestState).toBeUndefined();
    const done = await until(url, String(second.taskId), ["completed"]);
    expect(text(done.result)).toBe("Hello, Alice! (from a task)");
  });

  test("tasks/result and tasks/list are gone on 2026-07-28 (-32601)", async () => {
    for (const method of ["tasks/result", "tasks/list"]) {
      const { body } = await rpc(at("a"), method, method === "tasks/list" ? {} : { taskId: "x" });
      expect(body.error?.code).toBe(-32601);
    }
  });

  test("a legacy `task` hint is tolerated and makes no task of a sync tool", async () => {
    const result = await ok(at("a"), "tools/call", {
      name: "greet",
      arguments: { name: "hint" },
      task: { ttl: 60_000 },
    });
    expect(result.resultType).toBe("complete");
    expect(result.taskId).toBeUndefined();
    expect(text(result)).toBe("Hello, hint!");
  });
});

describe("callers that did not declare the extension", () => {
  const undeclared = { capabilities: {} };

  test("tasks/get, tasks/update and tasks/cancel are -32021 naming the extension (HTTP 400)", async () => {
    const { taskId } = await ok(at("a"), "tools/call", { name: "slow_compute", arguments: { seconds: 60 } });
    for (const [method, params] of [
      ["tasks/get", { taskId }],
      ["tasks/update", { taskId, inputResponses: {} }],
      ["tasks/cancel", { taskId }],
    ] as const) {
      const { status, body } = await rpc(at("a"), method, params, undeclared);
      expect(status).toBe(400);
      expect(body.error?.code).toBe(-32021);
      expect(body.error?.data).toEqual({ requiredCapabilities: { extensions: { [TASKS]: {} } } });
    }
    // the gateway's own answer, before any lookup: an id it never handed out is refused the same way
    const unknown = await rpc(at("a"), "tasks/get", { taskId: "never-created" }, undeclared);
    expect(unknown.body.error?.code).toBe(-32021);
    // and nothing was cancelled: the task still runs
    expect((await ok(at("a"), "tasks/get", { taskId })).status).toBe("working");
    await ok(at("a"), "tasks/cancel", { taskId });
  });

  test("a task-optional tool answers at once; a task-required one is the backend's -32021", async () => {
    const now = await rpc(
      at("a"),
      "tools/call",
      { name: "slow_compute", arguments: { seconds: 0 } },
      undeclared,
    );
    expect(now.body.result?.resultType).toBe("complete");
    expect(now.body.result?.taskId).toBeUndefined();
    const required = await rpc(at("a"), "tools/call", { name: "failing_job", arguments: {} }, undeclared);
    expect(required.body.error?.code).toBe(-32021);
    expect(required.body.error?.data?.requiredCapabilities).toEqual({ extensions: { [TASKS]: {} } });
  });

  test("a 2025 session reaches the same tools without tasks (the gateway declares none for it)", async () => {
    const client = await connectHttp(at("a"));
    try {
      const result = await client.request(
        { method: "tools/call", params: { name: "slow_compute", arguments: { seconds: 0 } } },
        RawResult,
      );
      expect(result.taskId).toBeUndefined();
      expect(text(result)).toBe("computed  after 0s");
      await expect(
        client.request({ method: "tools/call", params: { name: "failing_job", arguments: {} } }, RawResult),
      ).rejects.toMatchObject({ code: -32021 });
    } finally {
      await client.close();
    }
  });
});

describe("Mcp-Name on tasks requests", () => {
  test("must match the body's taskId: a mismatch or a missing one is 400 / -32020", async () => {
    const { taskId } = await ok(at("a"), "tools/call", { name: "slow_compute", arguments: { seconds: 60 } });
    const wrong = await rpc(at("a"), "tasks/get", { taskId }, { headers: { "mcp-name": "another-task" } });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error?.code).toBe(-32020);
    const bare = headersFor("tasks/cancel", {});
    const missing = await fetch(at("a"), {
      method: "POST",
      headers: bare,
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "tasks/cancel",
        params: {
          taskId,
          _meta: {
            "io.modelcontextprotocol/protocolVersion": VERSION,
            "io.modelcontextprotocol/clientInfo": { name: "t", version: "1" },
            "io.modelcontextprotocol/clientCapabilities": DECLARED,
          },
        },
      }),
    });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as Body).error?.code).toBe(-32020);
    // neither reached the backend: the task still runs
    expect((await ok(at("a"), "tasks/get", { taskId })).status).toBe("working");
    await ok(at("a"), "tasks/cancel", { taskId });
  });
});

describe("task ids stay with the backend and surface that made them", () => {
  test("an id from one backend is unknown (-32602) on another, and the owner keeps it", async () => {
    const { taskId } = await ok(at("a"), "tools/call", { name: "slow_compute", arguments: { seconds: 60 } });
    for (const method of ["tasks/get", "tasks/cancel"]) {
      const { body } = await rpc(at("b"), method, { taskId });
      expect(body.error?.code).toBe(-32602);
      expect(body.error?.message).toContain(`Unknown task "${taskId}"`);
    }
    expect((await ok(at("a"), "tasks/get", { taskId })).status).toBe("working");
    await ok(at("a"), "tasks/cancel", { taskId });
  });

  test("an id the gateway never handed out is -32602", async () => {
    const { body } = await rpc(at("a"), "tasks/get", { taskId: "tasks-never-created" });
    expect(body.error?.code).toBe(-32602);
  });

  test("on transparent /mcp a task's id names its backend, and only that id reaches it", async () => {
    const url = transparent.mcpUrl;
    const created = await ok(url, "tools/call", { name: "a__slow_compute", arguments: { seconds: 0.1 } });
    const taskId = String(created.taskId);
    expect(taskId.startsWith("a/")).toBe(true);
    const bare = taskId.slice(2);
    expect((await rpc(url, "tasks/get", { taskId: bare })).body.error?.code).toBe(-32602);
    expect((await rpc(url, "tasks/get", { taskId: `b/${bare}` })).body.error?.code).toBe(-32602);
    const done = await until(url, taskId, ["completed"]);
    expect(done.taskId).toBe(taskId);
    expect(text(done.result)).toBe("computed  after 0.1s");
  });
});

describe("task ids belong to the principal that created them", () => {
  let authGw: AuthGateway;
  let mine: Record<string, string>;
  let theirs: Record<string, string>;
  beforeAll(async () => {
    authGw = await startAuthGateway(
      `auth: {}\ncapabilities: { enabled: false }\nbackends:\n  a:\n    http_url: "${a.url.href}"\n`,
    );
    // one after the other: both write the same keys file
    const one = await addKey(authGw.keysPath, "one", { scopes: ["a/*"] });
    const two = await addKey(authGw.keysPath, "two", { scopes: ["a/*"] });
    authGw.auth?.reloadKeys();
    mine = { authorization: `Bearer ${one}` };
    theirs = { authorization: `Bearer ${two}` };
  });
  afterAll(() => authGw?.stop());

  test("another principal's tasks/get and tasks/cancel find nothing (-32602); the owner's do", async () => {
    const url = new URL("/mcp/a", authGw.url);
    const { taskId } = await ok(
      url,
      "tools/call",
      { name: "slow_compute", arguments: { seconds: 60 } },
      mine,
    );
    for (const method of ["tasks/get", "tasks/cancel"]) {
      const { body } = await rpc(url, method, { taskId }, { headers: theirs });
      expect(body.error?.code).toBe(-32602);
    }
    expect((await ok(url, "tasks/get", { taskId }, mine)).status).toBe("working");
    await ok(url, "tasks/cancel", { taskId }, mine);
    expect((await ok(url, "tasks/get", { taskId }, mine)).status).toBe("cancelled");
  });
});
