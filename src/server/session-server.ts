import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { Protocol, type RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import {
  type CallToolRequest,
  CallToolRequestSchema,
  CompleteRequestSchema,
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  type ServerNotification,
  type ServerRequest,
  SetLevelRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import type { Backend, CallOptions } from "../backends/backend.ts";
import { errorMessage } from "../errors.ts";
import type { Gateway } from "../gateway.ts";
import { didYouMean } from "../suggest.ts";
import { VERSION } from "../version.ts";
import { type SessionHub, type SessionLink, subscriptionKey } from "./hub.ts";
import { META_TOOL_NAMES, META_TOOLS, type MetaToolName } from "./meta-tool-definitions.ts";
import { callMetaTool, toolError } from "./meta-tools.ts";
import { paginate } from "./pagination.ts";
import { Routes } from "./routes.ts";
import { exposedName, ToolNameMap } from "./tool-names.ts";

/** What a session sees: the 4 meta-tools, every tool prefixed (transparent), or one backend's own tools. */
export type Surface = { kind: "meta" } | { kind: "transparent" } | { kind: "direct"; backend: string };

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;
type Result = Record<string, unknown>;

const INSTRUCTIONS =
  "Tools of many servers sit behind this gateway. Find one with gateway_search_tools, then call it with gateway_invoke.";

/** Relay options for one client request: its cancellation signal and progress forwarding. */
function relayOptions(
  meta: { progressToken?: string | number } | undefined,
  extra: Extra,
): CallOptions & { session: string } {
  const token = meta?.progressToken;
  return {
    signal: extra.signal,
    session: extra.sessionId ?? "stdio",
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
 * Registers a handler on the Protocol layer, skipping the SDK Server's result re-validation, which would
 * rewrite what the backend sent (defaults added, unknown fields dropped); the gateway relays untouched.
 */
function setRawHandler(
  server: Server,
  schema: Parameters<Server["setRequestHandler"]>[0],
  handler: (request: never, extra: Extra) => Promise<Result>,
): void {
  Protocol.prototype.setRequestHandler.call(server, schema, handler as never);
}

async function ready(backend: Backend): Promise<void> {
  if (backend.snapshot().status !== "running") await backend.start().catch(() => undefined);
}

function mustRelay(backend: Backend): NonNullable<Backend["request"]> {
  if (!backend.request) {
    throw new McpError(ErrorCode.MethodNotFound, `backend "${backend.name}" has no resources or prompts`);
  }
  return backend.request.bind(backend);
}

/** Builds the MCP server object for one client session on the given surface. */
export function createSessionServer(gateway: Gateway, hub: SessionHub, surface: Surface): Server {
  const direct = surface.kind === "direct" ? surface.backend : undefined;
  const server = new Server(
    { name: "mcp-gateway", version: VERSION },
    {
      capabilities: {
        tools: { listChanged: surface.kind !== "meta" },
        resources: { subscribe: true, listChanged: true },
        prompts: { listChanged: true },
        completions: {},
        logging: {},
      },
      ...(surface.kind === "meta" ? { instructions: INSTRUCTIONS } : {}),
    },
  );
  const link: SessionLink = {
    server,
    backend: direct,
    meta: surface.kind === "meta",
    logLevel: undefined,
    subscriptions: new Set(),
  };
  const detach = hub.add(link);
  server.onclose = detach;

  const scope = (): Backend[] => {
    if (direct === undefined) return gateway.pool.all();
    const one = gateway.pool.get(direct);
    return one ? [one] : [];
  };
  const routes = new Routes(scope, { prefix: direct === undefined });
  const track = <T>(backend: string, extra: Extra, run: () => Promise<T>): Promise<T> =>
    hub.track(backend, { session: link, requestId: extra.requestId }, run);

  registerTools(gateway, server, surface, track);
  registerResources(gateway, server, hub, link, routes, track);
  registerPrompts(gateway, server, routes, track);
  server.setRequestHandler(SetLevelRequestSchema, async (request) => {
    await hub.setLogLevel(link, request.params.level);
    return {};
  });
  return server;
}

type Track = <T>(backend: string, extra: Extra, run: () => Promise<T>) => Promise<T>;

function refuseTasks(request: CallToolRequest): void {
  if ((request.params as { task?: unknown }).task !== undefined) {
    throw new McpError(
      ErrorCode.InvalidParams,
      "task-augmented tool calls are not supported through the gateway; call the tool without `task`",
    );
  }
}

function registerTools(gateway: Gateway, server: Server, surface: Surface, track: Track): void {
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

function registerResources(
  gateway: Gateway,
  server: Server,
  hub: SessionHub,
  link: SessionLink,
  routes: Routes,
  track: Track,
): void {
  const owner = async (uri: string): Promise<Backend> => {
    await gateway.ready;
    const backend = routes.resourceOwner(uri);
    if (!backend) throw new McpError(-32002, `Resource not found: ${uri}`);
    await ready(backend);
    return backend;
  };
  server.setRequestHandler(ListResourcesRequestSchema, async (request) => {
    await gateway.ready;
    const { page, nextCursor } = paginate(routes.resources(), request.params?.cursor);
    return { resources: page, ...(nextCursor ? { nextCursor } : {}) };
  });
  server.setRequestHandler(ListResourceTemplatesRequestSchema, async (request) => {
    await gateway.ready;
    const { page, nextCursor } = paginate(routes.templates(), request.params?.cursor);
    return { resourceTemplates: page, ...(nextCursor ? { nextCursor } : {}) };
  });
  setRawHandler(
    server,
    ReadResourceRequestSchema,
    async (request: { params: { uri: string; _meta?: { progressToken?: string | number } } }, extra) => {
      const backend = await owner(request.params.uri);
      return track(backend.name, extra, () =>
        mustRelay(backend)("resources/read", request.params, relayOptions(request.params._meta, extra)),
      );
    },
  );
  server.setRequestHandler(SubscribeRequestSchema, async (request, extra) => {
    const backend = await owner(request.params.uri);
    await hub.subscribe(link, backend, request.params.uri, { signal: extra.signal });
    return {};
  });
  server.setRequestHandler(UnsubscribeRequestSchema, async (request, extra) => {
    const backend = await owner(request.params.uri);
    await hub.unsubscribe(link, subscriptionKey(backend.name, request.params.uri), { signal: extra.signal });
    return {};
  });
  setRawHandler(
    server,
    CompleteRequestSchema,
    async (
      request: { params: { ref: { type: string; name?: string; uri?: string } } & Record<string, unknown> },
      extra,
    ) => {
      await gateway.ready;
      const ref = request.params.ref;
      let backend: Backend | undefined;
      let params: Record<string, unknown> = request.params;
      if (ref.type === "ref/prompt") {
        const route = routes.resolvePrompt(ref.name ?? "");
        backend = route?.backend;
        if (route) params = { ...request.params, ref: { ...ref, name: route.original } };
      } else if (ref.type === "ref/resource") {
        backend = routes.templateOwner(ref.uri ?? "");
      }
      if (!backend)
        throw new McpError(ErrorCode.InvalidParams, `Nothing to complete for ${JSON.stringify(ref)}`);
      await ready(backend);
      if (backend.capabilities?.completions === undefined)
        return { completion: { values: [], hasMore: false } };
      const target = backend;
      return track(target.name, extra, () =>
        mustRelay(target)("completion/complete", params, { signal: extra.signal }),
      );
    },
  );
}

function registerPrompts(gateway: Gateway, server: Server, routes: Routes, track: Track): void {
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
