import {
  type CallToolRequest,
  CallToolRequestSchema,
  type ListToolsRequest,
  ListToolsRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { GatewayError } from "../../errors.ts";
import type { Surface } from "../../gateway/call-context.ts";
import type { Gateway } from "../../gateway/gateway.ts";
import { exposedName } from "../../gateway/tool-names.ts";
import { didYouMean } from "../../suggest.ts";
import { relayedCallError } from "../boundary.ts";
import { META_TOOL_NAMES, META_TOOLS, type MetaToolName } from "../meta-tool-definitions.ts";
import { callMetaTool } from "../meta-tools.ts";
import { paginate } from "../pagination.ts";
import { type Operation, operation } from "./shared.ts";

type CallParams = CallToolRequest["params"];

function refuseTasks(params: CallParams): void {
  if ((params as { task?: unknown }).task !== undefined) {
    throw new GatewayError(
      "INVALID_REQUEST",
      "task-augmented tool calls are not supported through the gateway; call the tool without `task`",
    );
  }
}

function metaOperations(gateway: Gateway): Operation[] {
  return [
    operation("tools/list", ListToolsRequestSchema, () => ({ tools: META_TOOLS })),
    operation(
      "tools/call",
      CallToolRequestSchema,
      (ctx, params: CallParams) => {
        refuseTasks(params);
        const name = params.name;
        if (!(META_TOOL_NAMES as readonly string[]).includes(name)) {
          throw new GatewayError(
            "TOOL_NOT_FOUND",
            `Unknown tool "${name}"${didYouMean(name, META_TOOL_NAMES)}`,
          );
        }
        return callMetaTool(gateway, ctx, name as MetaToolName, params.arguments);
      },
      { raw: true, progress: true },
    ),
  ];
}

/** Transparent (`/mcp` with every tool) and direct (`/mcp/{backend}`) sessions: tools relayed as they are. */
function relayedOperations(gateway: Gateway, surface: Surface): Operation[] {
  const transparent = surface.kind === "transparent";
  return [
    operation("tools/list", ListToolsRequestSchema, async (ctx, params: ListToolsRequest["params"]) => {
      const { tools } = await gateway.listTools(ctx);
      const shown = transparent
        ? tools.map((t) => ({ ...t.tool, name: exposedName(t.server, t.tool.name) }))
        : tools.map((t) => t.tool);
      const { page, nextCursor } = paginate(shown, params?.cursor);
      return { tools: page, ...(nextCursor ? { nextCursor } : {}) };
    }),
    operation(
      "tools/call",
      CallToolRequestSchema,
      async (ctx, params: CallParams) => {
        refuseTasks(params);
        const { name, arguments: args = {} } = params;
        const target = surface.kind === "direct" ? { server: surface.backend, tool: name } : { name };
        try {
          return await gateway.invoke(ctx, target, args);
        } catch (error) {
          return relayedCallError(error, {
            server: surface.kind === "direct" ? surface.backend : undefined,
            tool: name,
          });
        }
      },
      { raw: true, progress: true },
    ),
  ];
}

/** The tools requests of a surface: the four meta-tools, or every tool relayed. */
export function toolOperations(gateway: Gateway, surface: Surface): Operation[] {
  return surface.kind === "meta" ? metaOperations(gateway) : relayedOperations(gateway, surface);
}
