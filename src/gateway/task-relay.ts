import type { ServerCapabilities } from "@modelcontextprotocol/sdk/types.js";
import type { Backend } from "../backends/backend.ts";
import type { Surface } from "./call-context.ts";

/** The 2025-11-25 task requests the gateway routes by task id. */
export const TASK_METHODS = ["tasks/get", "tasks/result", "tasks/cancel", "tasks/list"] as const;
export type TaskMethod = (typeof TASK_METHODS)[number];

/** The `tasks` capability (2025-11-25) a session may advertise. */
export type TasksCapability = NonNullable<ServerCapabilities["tasks"]>;

const RELATED_TASK = "io.modelcontextprotocol/related-task";

/** True when the backend declared that it runs `tools/call` as a task (2025-11-25 `tasks.requests`). */
export function runsToolTasks(backend: Backend | undefined): boolean {
  return backend?.capabilities?.tasks?.requests?.tools?.call !== undefined;
}

/**
 * What a surface can honestly advertise: task-augmented `tools/call` where at least one backend it reaches
 * runs tool tasks (the one backend of `/mcp/{backend}`; any on transparent `/mcp`), with `tasks/list`
 * (answered by the gateway from its own routes) and `tasks/cancel` when such a backend has it. Never on the
 * meta surface, whose `gateway_invoke` result is the gateway's own.
 */
export function tasksCapability(surface: Surface, backends: readonly Backend[]): TasksCapability | undefined {
  if (surface.kind === "meta") return undefined;
  const able = backends.filter(runsToolTasks);
  if (able.length === 0) return undefined;
  return {
    list: {},
    ...(able.some((b) => b.capabilities?.tasks?.cancel !== undefined) ? { cancel: {} } : {}),
    requests: { tools: { call: {} } },
  };
}

/** The id a client sees for a backend's task: as it is on `/mcp/{backend}`, `<backend>/<id>` on `/mcp`. */
export function exposedTaskId(surface: Surface, backend: string, taskId: string): string {
  return surface.kind === "direct" ? taskId : `${backend}/${taskId}`;
}

/**
 * A backend's answer with its task id replaced by the client's: `task.taskId` (CreateTaskResult), the flat
 * `taskId` (tasks/get, tasks/cancel, list entries, status notifications) and the related-task `_meta` of a
 * tasks/result payload. Anything else is kept as the backend sent it.
 */
export function withTaskId(result: Record<string, unknown>, id: string): Record<string, unknown> {
  const out: Record<string, unknown> = { ...result };
  const task = out.task as Record<string, unknown> | undefined;
  if (task && typeof task === "object" && typeof task.taskId === "string") out.task = { ...task, taskId: id };
  if (typeof out.taskId === "string") out.taskId = id;
  const meta = out._meta as Record<string, unknown> | undefined;
  const related = meta?.[RELATED_TASK] as Record<string, unknown> | undefined;
  if (meta && related && typeof related === "object" && typeof related.taskId === "string") {
    out._meta = { ...meta, [RELATED_TASK]: { ...related, taskId: id } };
  }
  return out;
}

/** The task a CreateTaskResult names, if the backend answered one (it may answer a plain result). */
export function createdTask(result: Record<string, unknown>): { taskId: string; ttl: unknown } | undefined {
  const task = result.task as { taskId?: unknown; ttl?: unknown } | undefined;
  if (!task || typeof task !== "object" || typeof task.taskId !== "string") return undefined;
  return { taskId: task.taskId, ttl: task.ttl };
}

/** The 2026-07-28 tasks extension (SEP-2663): server-directed tasks on another wire than 2025-11-25's. */
export const TASKS_EXTENSION = "io.modelcontextprotocol/tasks";

/** The extension's requests the gateway routes by task id (`tasks/result` and `tasks/list` are gone). */
export const EXTENSION_TASK_METHODS = ["tasks/get", "tasks/update", "tasks/cancel"] as const;
export type ExtensionTaskMethod = (typeof EXTENSION_TASK_METHODS)[number];

/** True when the backend advertised the tasks extension (a 2026-07-28 backend's `server/discover`). */
export function runsExtensionTasks(backend: Backend | undefined): boolean {
  const extensions = backend?.capabilities?.extensions as Record<string, unknown> | undefined;
  return extensions?.[TASKS_EXTENSION] !== undefined;
}

/**
 * Whether a 2026-07-28 surface advertises the tasks extension: where a backend it reaches advertises it
 * (the one backend of `/mcp/{backend}`; any on transparent `/mcp`), never on the meta surface (whose
 * `gateway_invoke` result is the gateway's own, so a task of it would have to be the gateway's).
 */
export function advertisesTasksExtension(surface: Surface, backends: readonly Backend[]): boolean {
  return surface.kind !== "meta" && backends.some(runsExtensionTasks);
}

/**
 * The task a 2026-07-28 `tools/call` answered with, if the backend decided to make one: the flat
 * CreateTaskResult (`resultType: "task"`, `taskId`, `ttlMs`). Anything else is the tool's result.
 */
export function createdExtensionTask(
  result: Record<string, unknown>,
): { taskId: string; ttl: unknown } | undefined {
  if (result.resultType !== "task" || typeof result.taskId !== "string") return undefined;
  return { taskId: result.taskId, ttl: result.ttlMs };
}
