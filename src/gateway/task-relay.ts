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
