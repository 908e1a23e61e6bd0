import { describe, expect, test } from "bun:test";
import { exposedTaskId, withTaskId } from "../../src/gateway/task-relay.ts";
import { type TaskRoute, TaskRoutes } from "../../src/gateway/task-routes.ts";

function route(id: string, fields: Partial<TaskRoute> = {}): TaskRoute {
  return {
    id,
    surface: "direct:a",
    backend: "a",
    taskId: id,
    tool: "hold",
    principal: "alice",
    session: "s1",
    expiresAt: 0,
    replica: "local",
    ...fields,
  };
}

describe("TaskRoutes", () => {
  test("finds a route only for the principal that created it, on its surface", async () => {
    const routes = new TaskRoutes();
    routes.remember(route("t1", { expiresAt: routes.expiry(60_000) }));
    expect((await routes.find("direct:a", "t1", "alice"))?.backend).toBe("a");
    expect(await routes.find("direct:a", "t1", "bob")).toBeUndefined();
    expect(await routes.find("transparent", "t1", "alice")).toBeUndefined();
    expect(await routes.find("direct:a", "t2", "alice")).toBeUndefined();
  });

  test("drops a route when its task's ttl has passed; a null ttl is bounded by maxTtlMs", async () => {
    let now = 1_000;
    const routes = new TaskRoutes({ now: () => now, maxTtlMs: 10_000 });
    routes.remember(route("short", { expiresAt: routes.expiry(500) }));
    routes.remember(route("unlimited", { expiresAt: routes.expiry(null) }));
    expect(routes.expiry(null)).toBe(11_000);
    expect(routes.expiry(10 ** 9)).toBe(11_000);
    now = 1_499;
    expect(await routes.find("direct:a", "short", "alice")).toBeDefined();
    now = 1_500;
    expect(await routes.find("direct:a", "short", "alice")).toBeUndefined();
    expect(routes.list("direct:a", "alice").map((r) => r.id)).toEqual(["unlimited"]);
    now = 11_000;
    expect(routes.list("direct:a", "alice")).toEqual([]);
    expect(routes.size).toBe(0);
  });

  test("holds at most `max` routes, the oldest going first", async () => {
    const routes = new TaskRoutes({ max: 2 });
    for (const id of ["t1", "t2", "t3"]) routes.remember(route(id, { expiresAt: routes.expiry(60_000) }));
    expect(routes.size).toBe(2);
    expect(await routes.find("direct:a", "t1", "alice")).toBeUndefined();
    expect(routes.owners("a", "t1")).toEqual([]);
    expect(routes.owners("a", "t3").map((o) => o.route.id)).toEqual(["t3"]);
  });

  test("lists a principal's tasks, of one session when asked", () => {
    const routes = new TaskRoutes();
    const at = routes.expiry(60_000);
    routes.remember(route("t1", { expiresAt: at }));
    routes.remember(route("t2", { expiresAt: at, session: "s2" }));
    routes.remember(route("t3", { expiresAt: at, principal: "bob" }));
    expect(routes.list("direct:a", "alice").map((r) => r.id)).toEqual(["t1", "t2"]);
    expect(routes.list("direct:a", "alice", "s2").map((r) => r.id)).toEqual(["t2"]);
  });

  test("asks the shared store for an id it does not hold, and still checks principal and expiry", async () => {
    let now = 0;
    const stored = new Map<string, TaskRoute>();
    const shared = {
      put: (r: TaskRoute) => void stored.set(`${r.surface} ${r.id}`, { ...r }),
      get: async (surface: string, id: string) => stored.get(`${surface} ${id}`),
      delete: (r: TaskRoute) => void stored.delete(`${r.surface} ${r.id}`),
    };
    const here = new TaskRoutes({ shared, now: () => now });
    const there = new TaskRoutes({ shared, now: () => now });
    here.remember(route("t1", { expiresAt: here.expiry(1_000), replica: "r1" }));
    expect((await there.find("direct:a", "t1", "alice"))?.replica).toBe("r1");
    expect(await there.find("direct:a", "t1", "bob")).toBeUndefined();
    now = 1_000;
    expect(await there.find("direct:a", "t1", "alice")).toBeUndefined();
    here.forget(route("t1"), false);
    expect(stored.size).toBe(1);
    here.forget(route("t1"));
    expect(stored.size).toBe(0);
  });

  test("refuses a bound that holds nothing", () => {
    expect(() => new TaskRoutes({ max: 0 })).toThrow("max");
    expect(() => new TaskRoutes({ maxTtlMs: 0 })).toThrow("maxTtlMs");
  });
});

describe("task ids on a surface", () => {
  test("keep the backend's id on /mcp/{backend} and name the backend on shared surfaces", () => {
    expect(exposedTaskId({ kind: "direct", backend: "a" }, "a", "task-1")).toBe("task-1");
    expect(exposedTaskId({ kind: "transparent" }, "a", "task-1")).toBe("a/task-1");
  });

  test("are replaced wherever a backend's answer names its task", () => {
    const meta = { "io.modelcontextprotocol/related-task": { taskId: "task-1" }, other: 1 };
    expect(withTaskId({ task: { taskId: "task-1", status: "working" } }, "a/task-1")).toEqual({
      task: { taskId: "a/task-1", status: "working" },
    });
    expect(withTaskId({ taskId: "task-1", status: "completed" }, "x")).toEqual({
      taskId: "x",
      status: "completed",
    });
    expect(withTaskId({ content: [], _meta: meta }, "x")).toEqual({
      content: [],
      _meta: { "io.modelcontextprotocol/related-task": { taskId: "x" }, other: 1 },
    });
    expect(withTaskId({ content: [] }, "x")).toEqual({ content: [] });
  });
});
