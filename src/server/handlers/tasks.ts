import {
  CancelTaskRequestSchema,
  GetTaskPayloadRequestSchema,
  GetTaskRequestSchema,
  ListTasksRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import type { Surface } from "../../gateway/call-context.ts";
import type { Gateway } from "../../gateway/gateway.ts";
import type { TaskMethod } from "../../gateway/task-relay.ts";
import { type Operation, operation, type RequestSchema } from "./shared.ts";

const SCHEMAS: Record<TaskMethod, RequestSchema> = {
  "tasks/get": GetTaskRequestSchema,
  "tasks/result": GetTaskPayloadRequestSchema,
  "tasks/cancel": CancelTaskRequestSchema,
  "tasks/list": ListTasksRequestSchema,
};

/**
 * The 2025-11-25 task requests, only where the surface can relay tasks (`Gateway.tasksCapability`): each
 * routed by task id to the backend that owns it, answered as the backend sent it with the id the client
 * knows. 2026-07-28 moved tasks to an extension with another wire, so these are 2025 sessions' only.
 */
export function taskOperations(gateway: Gateway, surface: Surface): Operation[] {
  const tasks = gateway.tasksCapability(surface);
  if (!tasks) return [];
  const methods = Object.keys(SCHEMAS) as TaskMethod[];
  return methods
    .filter((method) => method !== "tasks/cancel" || tasks.cancel !== undefined)
    .map((method) =>
      operation(
        method,
        SCHEMAS[method],
        (ctx, params: Record<string, unknown>) => gateway.relayTask(ctx, method, params),
        { raw: true, legacyOnly: true, capabilities: { tasks } },
      ),
    );
}
