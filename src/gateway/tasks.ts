import { GatewayError } from "../errors.ts";
import type { CallContext } from "./call-context.ts";
import { ANONYMOUS } from "./call-context.ts";
import type { GatewayCore } from "./core.ts";
import type { GatewayHooks } from "./hooks.ts";
import { type Result, runOnBackend } from "./pipeline.ts";
import type { SessionPeer } from "./session-hub.ts";
import {
  advertisesTasksExtension,
  createdExtensionTask,
  createdTask,
  type ExtensionTaskMethod,
  exposedTaskId,
  type TaskMethod,
  type TasksCapability,
  tasksCapability,
  withTaskId,
} from "./task-relay.ts";
import { type TaskRoute, TaskRoutes, taskSurface } from "./task-routes.ts";
import type { resolveTool } from "./tool-target.ts";

/** Tasks per `tasks/list` page. */
const TASKS_PAGE = 100;

/**
 * The route key of a surface's 2026-07-28 extension tasks: apart from its 2025-11-25 tasks, so neither
 * revision's requests reach a task of the other's wire.
 */
const extensionSurface = (surface: CallContext["surface"]): string => `${taskSurface(surface)}@2026-07-28`;

/**
 * The facade's tasks: 2025-11-25 task-augmented calls, `tasks/*` routed by id to the owning backend on the
 * one route every request takes (access, failsafes, audit), status notifications to the creating session;
 * and the 2026-07-28 tasks extension's (SEP-2663) tasks, which a backend creates when it decides to,
 * routed the same way.
 */
export class GatewayTasks {
  readonly #core: GatewayCore;
  readonly #hooks: GatewayHooks;
  readonly #routes: TaskRoutes;

  constructor(core: GatewayCore, hooks: GatewayHooks) {
    this.#core = core;
    this.#hooks = hooks;
    this.#routes = new TaskRoutes({ shared: core.cluster?.tasks, now: () => core.now() });
  }

  /** Forgets a closed session (its tasks stay reachable by id for their principal). */
  detach(peer: SessionPeer): void {
    this.#routes.detach(peer);
  }

  /**
   * The 2025-11-25 `tasks` capability a session on this surface may advertise: where a backend it reaches
   * runs tool calls as tasks (known from its last initialize, remembered in its manifest), never on meta.
   */
  capability(surface: CallContext["surface"]): TasksCapability | undefined {
    const pool = this.#core.pool;
    if (surface.kind === "direct") {
      const one = pool.get(surface.backend);
      return tasksCapability(surface, one ? [one] : []);
    }
    return tasksCapability(surface, pool.all());
  }

  /** Whether a 2026-07-28 request on this surface may be told about the tasks extension (server/discover). */
  extension(surface: CallContext["surface"]): boolean {
    const pool = this.#core.pool;
    if (surface.kind === "direct") {
      const one = pool.get(surface.backend);
      return advertisesTasksExtension(surface, one ? [one] : []);
    }
    return advertisesTasksExtension(surface, pool.all());
  }

  /**
   * A `tools/call` answer as the caller gets it: a 2026-07-28 backend's CreateTaskResult with its task
   * remembered under the id the caller gets (`<backend>/<id>` on transparent `/mcp`); any other result as
   * it is.
   */
  adopt(ctx: CallContext, request: Awaited<ReturnType<typeof resolveTool>>, result: Result): Result {
    const created = createdExtensionTask(result);
    if (!created || ctx.surface.kind === "meta") return result;
    const backend = request.backend.name;
    const route: TaskRoute = {
      id: exposedTaskId(ctx.surface, backend, created.taskId),
      surface: extensionSurface(ctx.surface),
      backend,
      taskId: created.taskId,
      tool: request.name,
      principal: ctx.principal.id,
      session: ctx.session.label,
      expiresAt: this.#routes.expiry(created.ttl),
      replica: this.#replica,
    };
    this.#routes.remember(route);
    return withTaskId(result, route.id);
  }

  /**
   * Routes a 2026-07-28 tasks-extension request (`tasks/get`, `tasks/update`, `tasks/cancel`) to the backend
   * that created the task, by the id this caller got from its `tools/call`.
   * @throws GatewayError USAGE for a task id this caller does not own (unknown, expired, another
   * principal's or another surface's: the same answer); the backend's own error as it sent it
   */
  async relayExtension(
    ctx: CallContext,
    method: ExtensionTaskMethod,
    params: Record<string, unknown>,
  ): Promise<Result> {
    const id = String(params.taskId);
    const route = await this.#routes.find(extensionSurface(ctx.surface), id, ctx.principal.id);
    if (!route) {
      throw new GatewayError(
        "USAGE",
        `Unknown task "${id}": not created through this gateway by this client, or expired`,
      );
    }
    const result = await this.#onTaskBackend(ctx, route, method, { ...params, taskId: route.taskId });
    if (method === "tasks/get") this.#routes.touch(route, result.ttlMs);
    return withTaskId(result, route.id);
  }

  /**
   * Routes a 2025-11-25 task request to the backend that owns the task, by the id this caller got when it
   * created it (`tasks/list`: the caller's own tasks, each asked of its backend).
   * @throws GatewayError USAGE for a task id this caller does not own (unknown, expired or another
   * principal's: the same answer); the backend's own error as it sent it
   */
  async relay(ctx: CallContext, method: TaskMethod, params: Record<string, unknown>): Promise<Result> {
    const surface = taskSurface(ctx.surface);
    if (method === "tasks/list") return this.#listTasks(ctx, surface, params.cursor);
    const id = String(params.taskId);
    const route = await this.#routes.find(surface, id, ctx.principal.id);
    if (!route) {
      throw new GatewayError(
        "USAGE",
        `Unknown task "${id}": not created through this gateway by this client, or expired`,
      );
    }
    const result = await this.#onTaskBackend(ctx, route, method, { ...params, taskId: route.taskId });
    if (method !== "tasks/result") this.#routes.touch(route, result.ttl);
    return withTaskId(result, route.id);
  }

  /** A task-augmented call: the backend's CreateTaskResult, its task remembered under the id the caller gets. */
  async start(
    ctx: CallContext,
    request: Awaited<ReturnType<typeof resolveTool>>,
    args: Record<string, unknown>,
    task: Record<string, unknown>,
  ): Promise<Result> {
    const backend = request.backend;
    const send = backend.request?.bind(backend);
    if (!send || ctx.surface.kind === "meta" || !tasksCapability(ctx.surface, [backend])) {
      throw new GatewayError(
        "INVALID_REQUEST",
        `backend "${backend.name}" does not run tools as tasks; call "${request.name}" without \`task\``,
      );
    }
    const result = await runOnBackend(this.#core, this.#hooks, ctx, request, (sent) =>
      send("tools/call", { name: request.name, arguments: args, task }, sent),
    );
    const created = createdTask(result);
    if (!created) return result; // the backend ran it at once
    const route: TaskRoute = {
      id: exposedTaskId(ctx.surface, backend.name, created.taskId),
      surface: taskSurface(ctx.surface),
      backend: backend.name,
      taskId: created.taskId,
      tool: request.name,
      principal: ctx.principal.id,
      session: ctx.session.label,
      expiresAt: this.#routes.expiry(created.ttl),
      replica: this.#replica,
    };
    this.#routes.remember(route, ctx.session);
    return withTaskId(result, route.id);
  }

  /** One task request on the task's backend, on the route every request takes (access, failsafes, audit). */
  async #onTaskBackend(
    ctx: CallContext,
    route: TaskRoute,
    method: Exclude<TaskMethod, "tasks/list"> | ExtensionTaskMethod,
    params: Record<string, unknown>,
  ): Promise<Result> {
    const backend = this.#core.pool.get(route.backend);
    const send = backend?.request?.bind(backend);
    const foreign = route.replica !== this.#replica;
    if (!backend || !send) {
      this.#routes.forget(route, !foreign);
      throw new GatewayError("USAGE", `Task "${route.id}": its backend "${route.backend}" is gone`);
    }
    // A stdio backend is a process per replica: the task lives in the other replica's process, and this
    // one's would answer "not found" (or, with counted ids, about another task). HTTP backends are one
    // server every replica reaches.
    if (foreign && backend.transport === "stdio") {
      throw new GatewayError(
        "BACKEND_UNAVAILABLE",
        `Task "${route.id}" runs in another replica's process of the stdio backend "${route.backend}" (stdio backends are per replica); ask the replica that created it, or make "${route.backend}" an http_url backend`,
      );
    }
    const request = {
      backend,
      kind: "tool" as const,
      name: route.tool,
      label: method,
      retrySafe: method !== "tasks/cancel" && method !== "tasks/update",
    };
    try {
      return await runOnBackend(this.#core, this.#hooks, ctx, request, (sent) => send(method, params, sent));
    } catch (error) {
      // The backend no longer knows the task (its ttl passed, it restarted): so does the gateway.
      if ((error as { code?: unknown }).code === -32602) this.#routes.forget(route, !foreign);
      throw error;
    }
  }

  /** The caller's own tasks on this surface, 100 a page, each as its backend reports it now. */
  async #listTasks(ctx: CallContext, surface: string, cursor: unknown): Promise<Result> {
    // Without authentication every caller is the same principal: a session then lists only its own.
    const anonymous = ctx.principal.id === ANONYMOUS.id;
    const routes = this.#routes.list(surface, ctx.principal.id, anonymous ? ctx.session.label : undefined);
    const start = cursor === undefined ? 0 : Number(cursor);
    if (!Number.isInteger(start) || start < 0 || start > routes.length) {
      throw new GatewayError("USAGE", `tasks/list: invalid cursor ${JSON.stringify(cursor)}`);
    }
    const page = routes.slice(start, start + TASKS_PAGE);
    const tasks = await Promise.all(
      page.map((route) =>
        this.#onTaskBackend(ctx, route, "tasks/get", { taskId: route.taskId }).then(
          (task) => {
            const { _meta: _, ...fields } = withTaskId(task, route.id);
            return fields;
          },
          () => undefined, // gone on the backend (forgotten above) or unreachable now: not listed
        ),
      ),
    );
    const next = start + TASKS_PAGE < routes.length ? { nextCursor: String(start + TASKS_PAGE) } : {};
    return { tasks: tasks.filter((t) => t !== undefined), ...next };
  }

  /** This replica's name in task routes (its cluster origin). */
  get #replica(): string {
    return this.#core.cluster?.origin ?? "local";
  }

  /** A backend's task status, to the session that created the task (with the id it knows). */
  status(backend: string, params: Record<string, unknown> | undefined): void {
    if (typeof params?.taskId !== "string") return;
    for (const { route, peer } of this.#routes.owners(backend, params.taskId)) {
      if (!peer) continue;
      this.#routes.touch(route, params.ttl);
      void peer
        .notify({ method: "notifications/tasks/status", params: withTaskId(params, route.id) })
        .catch(() => undefined);
    }
  }
}
