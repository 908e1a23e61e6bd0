import {
  type GetPromptRequest,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { paginate } from "../pagination.ts";
import { handled, type Session, setRawHandler } from "./shared.ts";

export function registerPrompts({ gateway, server, context }: Session): void {
  server.setRequestHandler(
    ListPromptsRequestSchema,
    handled(async (request, extra) => {
      const { prompts } = (await gateway.relay(context(extra), "prompts/list")) as { prompts: never[] };
      const { page, nextCursor } = paginate(prompts, request.params?.cursor);
      return { prompts: page, ...(nextCursor ? { nextCursor } : {}) };
    }),
  );
  setRawHandler(server, GetPromptRequestSchema, async (request: GetPromptRequest, extra) =>
    gateway.relay(context(extra, request.params._meta), "prompts/get", request.params),
  );
}
