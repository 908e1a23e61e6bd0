import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import {
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  McpError,
} from "@modelcontextprotocol/sdk/types.js";
import type { Gateway } from "../../gateway.ts";
import { didYouMean } from "../../suggest.ts";
import { paginate } from "../pagination.ts";
import type { Routes } from "../routes.ts";
import { mustRelay, ready, setRawHandler, type Track } from "./shared.ts";

export function registerPrompts(gateway: Gateway, server: Server, routes: Routes, track: Track): void {
  server.setRequestHandler(ListPromptsRequestSchema, async (request) => {
    await gateway.ready;
    const { page, nextCursor } = paginate(
      routes.prompts().map((r) => r.prompt),
      request.params?.cursor,
    );
    return { prompts: page, ...(nextCursor ? { nextCursor } : {}) };
  });
  setRawHandler(
    server,
    GetPromptRequestSchema,
    async (request: { params: { name: string } & Record<string, unknown> }, extra) => {
      await gateway.ready;
      const route = routes.resolvePrompt(request.params.name);
      if (!route) {
        const known = routes.prompts().map((r) => r.prompt.name);
        throw new McpError(
          ErrorCode.InvalidParams,
          `Unknown prompt "${request.params.name}"${didYouMean(request.params.name, known)}`,
        );
      }
      await ready(route.backend);
      return track(route.backend.name, extra, () =>
        mustRelay(route.backend)(
          "prompts/get",
          { ...request.params, name: route.original },
          { signal: extra.signal },
        ),
      );
    },
  );
}
