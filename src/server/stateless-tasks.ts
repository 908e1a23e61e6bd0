import {
  CLIENT_CAPABILITIES_META_KEY,
  MissingRequiredClientCapabilityError,
  type Server,
  type ServerContext,
  type StandardSchemaV1,
} from "@modelcontextprotocol/server";
import { relayingInputRequired } from "../backends/modern-relay.ts";
import type { CallContext } from "../gateway/call-context.ts";
import { EXTENSION_TASK_METHODS, type ExtensionTaskMethod, TASKS_EXTENSION } from "../gateway/task-relay.ts";
import { asProtocolError } from "./boundary.ts";
import type { Params, Result } from "./handlers/shared.ts";

/** Sends one tasks-extension request on to the backend that owns its task (`Gateway.relayExtensionTask`). */
export type ExtensionTaskRelay = (
  ctx: CallContext,
  method: ExtensionTaskMethod,
  params: Params,
) => Promise<Result>;

/** `{ taskId: string, … }`: the params every extension task request carries (a bad one is -32602). */
const TASK_ID_PARAMS: StandardSchemaV1<unknown, Params> = {
  "~standard": {
    version: 1,
    vendor: "mcp-gateway",
    validate: (value: unknown) => {
      const params = value as Params | undefined;
      if (typeof params?.taskId !== "string") return { issues: [{ message: "taskId: expected a string" }] };
      return { value: params };
    },
  },
};

/** The client capabilities a 2026-07-28 request declared in its envelope. */
export function declaredCapabilities(ctx: ServerContext): Record<string, unknown> | undefined {
  const envelope = (ctx.mcpReq.envelope ?? {}) as Record<string, unknown>;
  return envelope[CLIENT_CAPABILITIES_META_KEY] as Record<string, unknown> | undefined;
}

function declaresTasks(ctx: ServerContext): boolean {
  const extensions = declaredCapabilities(ctx)?.extensions as Record<string, unknown> | undefined;
  return extensions?.[TASKS_EXTENSION] !== undefined;
}

/**
 * Registers `tasks/get`, `tasks/update` and `tasks/cancel` of the tasks extension (SEP-2663) on one
 * stateless server: a caller that did not declare the extension in this request is refused with -32021
 * (naming it); otherwise the request goes to the backend that created the task, with the caller's
 * capabilities in its envelope, and comes back as the backend answered. `tasks/result` and `tasks/list`
 * are gone from the extension: the SDK answers them -32601.
 */
export function registerExtensionTasks(
  server: Server,
  relay: ExtensionTaskRelay,
  context: (ctx: ServerContext) => CallContext,
): void {
  for (const method of EXTENSION_TASK_METHODS) {
    const handler = async (params: Params, ctx: ServerContext): Promise<Result> => {
      if (!declaresTasks(ctx)) {
        throw new MissingRequiredClientCapabilityError(
          { requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } },
          `${method} is part of the ${TASKS_EXTENSION} extension: declare it in this request's clientCapabilities.extensions`,
        );
      }
      // The SDK lifts a request's inputResponses out of its params; tasks/update relays them as params.
      const sent =
        method === "tasks/update" ? { ...params, inputResponses: ctx.mcpReq.inputResponses ?? {} } : params;
      const clientCapabilities = declaredCapabilities(ctx);
      try {
        return await relayingInputRequired({ clientCapabilities }, () => relay(context(ctx), method, sent));
      } catch (error) {
        throw asProtocolError(error);
      }
    };
    server.setRequestHandler(method, { params: TASK_ID_PARAMS }, handler as never);
  }
}
