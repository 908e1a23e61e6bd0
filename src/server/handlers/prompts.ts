import {
  type GetPromptRequest,
  GetPromptRequestSchema,
  type ListPromptsRequest,
  ListPromptsRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import type { Gateway } from "../../gateway/gateway.ts";
import { paginate } from "../pagination.ts";
import { type Operation, operation } from "./shared.ts";

/** Prompts (list, get), relayed to the backends. */
export function promptOperations(gateway: Gateway): Operation[] {
  return [
    operation("prompts/list", ListPromptsRequestSchema, async (ctx, params: ListPromptsRequest["params"]) => {
      const { prompts } = (await gateway.relay(ctx, "prompts/list")) as { prompts: never[] };
      const { page, nextCursor } = paginate(prompts, params?.cursor);
      return { prompts: page, ...(nextCursor ? { nextCursor } : {}) };
    }),
    operation(
      "prompts/get",
      GetPromptRequestSchema,
      (ctx, params: GetPromptRequest["params"]) => gateway.relay(ctx, "prompts/get", params),
      { raw: true, progress: true },
    ),
  ];
}
