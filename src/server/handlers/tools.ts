import {
  type CallToolRequest,
  CallToolRequestSchema,
  ListToolsRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { GatewayError } from "../../errors.ts";
import { exposedName } from "../../gateway/tool-names.ts";
import { didYouMean } from "../../suggest.ts";
import { relayedCallError } from "../boundary.ts";
import { META_TOOL_NAMES, META_TOOLS, type MetaToolName } from "../meta-tool-definitions.ts";
import { callMetaTool } from "../meta-tools.ts";
import { paginate } from "../pagination.ts";
import { handled, type Session, setRawHandler } from "./shared.ts";

function refuseTasks(request: CallToolRequest): void {
  if ((request.params as { task?: unknown }).task !== undefined) {
    throw new GatewayError(
      "INVALID_REQUEST",
      "task-augmented tool calls are not supported through the gateway; call the tool without `task`",
    );
  }
}

function registerMeta({ gateway, server, context }: Session): void {
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: META_TOOLS }));
  setRawHandler(server, CallToolRequestSchema, async (request: CallToolRequest, extra) => {
    refuseTasks(request);
    const name = request.params.name;
    if (!(META_TOOL_NAMES as readonly string[]).includes(name)) {
      throw new GatewayError("TOOL_NOT_FOUND", `Unknown tool "${name}"${didYouMean(name, META_TOOL_NAMES)}`);
    }
    const ctx = context(extra, request.params._meta);
    return callMetaTool(gateway, ctx, name as MetaToolName, request.params.arguments);
  });
}

/** Transparent (`/mcp` with every tool) and direct (`/mcp/{backend}`) sessions: tools relayed as they are. */
function registerRelayed({ gateway, server, surface, context }: Session): void {
  const transparent = surface.kind === "transparent";
  server.setRequestHandler(
    ListToolsRequestSchema,
    handled(async (request, extra) => {
      const { tools } = await gateway.listTools(context(extra));
      const shown = transparent
        ? tools.map((t) => ({ ...t.tool, name: exposedName(t.server, t.tool.name) }))
        : tools.map((t) => t.tool);
      const { page, nextCursor } = paginate(shown, request.params?.cursor);
      return { tools: page, ...(nextCursor ? { nextCursor } : {}) };
    }),
  );
  setRawHandler(server, CallToolRequestSchema, async (request: CallToolRequest, extra) => {
    refuseTasks(request);
    const { name, arguments: args = {} } = request.params;
    const target = surface.kind === "direct" ? { server: surface.backend, tool: name } : { name };
    try {
      return await gateway.invoke(context(extra, request.params._meta), target, args);
    } catch (error) {
      return relayedCallError(error, {
        server: surface.kind === "direct" ? surface.backend : undefined,
        tool: name,
      });
    }
  });
}

export function registerTools(session: Session): void {
  if (session.surface.kind === "meta") registerMeta(session);
  else registerRelayed(session);
}
