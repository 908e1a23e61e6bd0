import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { Protocol, type RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import {
  type CallToolRequest,
  CallToolRequestSchema,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
  type ServerNotification,
  type ServerRequest,
  type Tool,
} from "@modelcontextprotocol/sdk/types.js";
import type { CallOptions } from "../backends/backend.ts";
import { errorMessage } from "../errors.ts";
import type { Gateway } from "../gateway.ts";
import { didYouMean } from "../suggest.ts";
import { VERSION } from "../version.ts";
import { META_TOOL_NAMES, META_TOOLS, type MetaToolName } from "./meta-tool-definitions.ts";
import { callMetaTool, toolError } from "./meta-tools.ts";
import { exposedName, ToolNameMap } from "./tool-names.ts";

/** What a session sees: the 4 meta-tools, every tool prefixed (transparent), or one backend's own tools. */
export type Surface = { kind: "meta" } | { kind: "transparent" } | { kind: "direct"; backend: string };

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;
type CallHandler = (request: CallToolRequest, extra: Extra) => Promise<Record<string, unknown>>;

const INSTRUCTIONS =
  "Tools of many servers sit behind this gateway. Find one with gateway_search_tools, then call it with gateway_invoke.";

function callOptions(request: CallToolRequest, extra: Extra): CallOptions {
  const token = request.params._meta?.progressToken;
  return {
    signal: extra.signal,
    ...(token !== undefined
      ? {
          onProgress: (p) => {
            void extra
              .sendNotification({ method: "notifications/progress", params: { progressToken: token, ...p } })
              .catch(() => undefined);
          },
        }
      : {}),
  };
}

/**
 * Registers tools/call without the SDK Server's result re-validation, which would rewrite what the backend
 * sent (defaults added, unknown fields dropped); the gateway relays results untouched.
 */
function setCallHandler(server: Server, handler: CallHandler): void {
  Protocol.prototype.setRequestHandler.call(server, CallToolRequestSchema, handler);
}

function invalidTool(name: string, known: Iterable<string>): McpError {
  return new McpError(ErrorCode.InvalidParams, `Unknown tool "${name}"${didYouMean(name, known)}`);
}

function renamed(tool: Tool, name: string): Tool {
  return { ...tool, name };
}

/** Builds the MCP server object for one client session on the given surface. */
export function createSessionServer(gateway: Gateway, surface: Surface): Server {
  const server = new Server(
    { name: "mcp-gateway", version: VERSION },
    {
      capabilities: { tools: { listChanged: surface.kind !== "meta" }, logging: {} },
      ...(surface.kind === "meta" ? { instructions: INSTRUCTIONS } : {}),
    },
  );
  if (surface.kind === "meta") {
    server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: META_TOOLS }));
    setCallHandler(server, async (request, extra) => {
      const name = request.params.name;
      if (!(META_TOOL_NAMES as readonly string[]).includes(name)) throw invalidTool(name, META_TOOL_NAMES);
      return callMetaTool(
        gateway,
        name as MetaToolName,
        request.params.arguments,
        callOptions(request, extra),
      );
    });
    return server;
  }

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
    server.setRequestHandler(ListToolsRequestSchema, async () => {
      await gateway.ready;
      return {
        tools: gateway.catalog.entries().map((e) => renamed(e.tool, exposedName(e.server, e.tool.name))),
      };
    });
    setCallHandler(server, async (request, extra) => {
      await gateway.ready;
      const entry = nameMap().resolve(request.params.name);
      if (!entry) throw invalidTool(request.params.name, nameMap().names());
      return relay(gateway, entry.server, entry.tool.name, request, extra);
    });
    const unsubscribe = gateway.catalog.onChange(() => {
      void server.sendToolListChanged().catch(() => undefined);
    });
    server.onclose = unsubscribe;
    return server;
  }

  const backendName = surface.backend;
  server.setRequestHandler(ListToolsRequestSchema, async () => {
    const backend = gateway.pool.get(backendName);
    if (backend && backend.snapshot().status !== "running") await backend.start().catch(() => undefined);
    return { tools: [...(backend?.tools ?? [])] };
  });
  setCallHandler(server, async (request, extra) => {
    const backend = gateway.pool.get(backendName);
    if (backend && backend.snapshot().status !== "running") await backend.start().catch(() => undefined);
    if (!gateway.catalog.find(backendName, request.params.name)) {
      throw invalidTool(
        request.params.name,
        (backend?.tools ?? []).map((t) => t.name),
      );
    }
    return relay(gateway, backendName, request.params.name, request, extra);
  });
  const unsubscribe = gateway.catalog.onChange(() => {
    void server.sendToolListChanged().catch(() => undefined);
  });
  server.onclose = unsubscribe;
  return server;
}

async function relay(
  gateway: Gateway,
  serverName: string,
  tool: string,
  request: CallToolRequest,
  extra: Extra,
): Promise<Record<string, unknown>> {
  const backend = gateway.pool.get(serverName);
  if (!backend) throw new McpError(ErrorCode.InvalidParams, `Unknown server "${serverName}"`);
  try {
    return await backend.callTool(tool, request.params.arguments ?? {}, callOptions(request, extra));
  } catch (err) {
    // The backend's own protocol errors pass through; the gateway's (unavailable, timeout) become a
    // tool error so the model sees what happened instead of a bare failure.
    if (err instanceof McpError) throw err;
    return toolError(`Calling "${tool}" on "${serverName}" failed: ${errorMessage(err)}`);
  }
}
