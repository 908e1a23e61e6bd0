import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import {
  type CallToolRequest,
  CallToolRequestSchema,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
} from "@modelcontextprotocol/sdk/types.js";
import { errorMessage } from "../../errors.ts";
import type { Gateway } from "../../gateway.ts";
import { didYouMean } from "../../suggest.ts";
import { META_TOOL_NAMES, META_TOOLS, type MetaToolName } from "../meta-tool-definitions.ts";
import { callMetaTool, toolError } from "../meta-tools.ts";
import { paginate } from "../pagination.ts";
import type { Surface } from "../session-server.ts";
import { exposedName, ToolNameMap } from "../tool-names.ts";
import { type Extra, type Result, ready, relayOptions, setRawHandler, type Track } from "./shared.ts";

function refuseTasks(request: CallToolRequest): void {
  if ((request.params as { task?: unknown }).task !== undefined) {
    throw new McpError(
      ErrorCode.InvalidParams,
      "task-augmented tool calls are not supported through the gateway; call the tool without `task`",
    );
  }
}

export function registerTools(gateway: Gateway, server: Server, surface: Surface, track: Track): void {
  if (surface.kind === "meta") {
    server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: META_TOOLS }));
    setRawHandler(server, CallToolRequestSchema, async (request: CallToolRequest, extra) => {
      refuseTasks(request);
      const name = request.params.name;
      if (!(META_TOOL_NAMES as readonly string[]).includes(name)) {
        throw new McpError(
          ErrorCode.InvalidParams,
          `Unknown tool "${name}"${didYouMean(name, META_TOOL_NAMES)}`,
        );
      }
      return callMetaTool(gateway, name as MetaToolName, request.params.arguments, {
        ...relayOptions(request.params._meta, extra),
        track: (backend, run) => track(backend, extra, run),
      });
    });
    return;
  }

  const relay = async (
    server: string,
    tool: string,
    request: CallToolRequest,
    extra: Extra,
  ): Promise<Result> => {
    const backend = gateway.pool.get(server);
    if (!backend) throw new McpError(ErrorCode.InvalidParams, `Unknown server "${server}"`);
    try {
      return await track(server, extra, () =>
        gateway.callTool(
          server,
          tool,
          request.params.arguments ?? {},
          relayOptions(request.params._meta, extra),
        ),
      );
    } catch (err) {
      // The backend's own protocol errors pass through; the gateway's (unavailable, timeout) become a
      // tool error so the model sees what happened instead of a bare failure.
      if (err instanceof McpError) throw err;
      return toolError(`Calling "${tool}" on "${server}" failed: ${errorMessage(err)}`);
    }
  };

  if (surface.kind === "transparent") {
    let names: ToolNameMap | undefined;
    let builtFor = -1;
    const nameMap = (): ToolNameMap => {
      if (!names || builtFor !== gateway.catalog.version) {
        names = new ToolNameMap(gateway.catalog.entries());
        builtFor = gateway.catalog.version;
      }
      return names;
    };
    server.setRequestHandler(ListToolsRequestSchema, async (request) => {
      await gateway.ready;
      const tools = gateway.catalog
        .entries()
        .map((e) => ({ ...e.tool, name: exposedName(e.server, e.tool.name) }));
      const { page, nextCursor } = paginate(tools, request.params?.cursor);
      return { tools: page, ...(nextCursor ? { nextCursor } : {}) };
    });
    setRawHandler(server, CallToolRequestSchema, async (request: CallToolRequest, extra) => {
      refuseTasks(request);
      await gateway.ready;
      const name = request.params.name;
      const entry = nameMap().resolve(name) ?? uniqueByOriginalName(gateway, name);
      if (!entry)
        throw new McpError(
          ErrorCode.InvalidParams,
          `Unknown tool "${name}"${didYouMean(name, nameMap().names())}`,
        );
      return relay(entry.server, entry.tool.name, request, extra);
    });
    return;
  }

  const backendName = surface.backend;
  server.setRequestHandler(ListToolsRequestSchema, async (request) => {
    const backend = gateway.pool.get(backendName);
    if (backend) await ready(backend);
    const { page, nextCursor } = paginate(backend?.tools ?? [], request.params?.cursor);
    return { tools: page, ...(nextCursor ? { nextCursor } : {}) };
  });
  setRawHandler(server, CallToolRequestSchema, async (request: CallToolRequest, extra) => {
    refuseTasks(request);
    const backend = gateway.pool.get(backendName);
    if (backend) await ready(backend);
    if (!gateway.catalog.find(backendName, request.params.name)) {
      const known = (backend?.tools ?? []).map((t) => t.name);
      throw new McpError(
        ErrorCode.InvalidParams,
        `Unknown tool "${request.params.name}"${didYouMean(request.params.name, known)}`,
      );
    }
    return relay(backendName, request.params.name, request, extra);
  });
}

/** Transparent mode also accepts a tool's own name when exactly one backend has it. */
function uniqueByOriginalName(gateway: Gateway, name: string): ReturnType<Gateway["catalog"]["find"]> {
  const matches = gateway.catalog.entries().filter((e) => e.tool.name === name);
  return matches.length === 1 ? matches[0] : undefined;
}
