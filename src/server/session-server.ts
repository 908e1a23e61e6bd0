import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { SetLevelRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import type { Backend } from "../backends/backend.ts";
import type { Gateway } from "../gateway.ts";
import { VERSION } from "../version.ts";
import { registerPrompts } from "./handlers/prompts.ts";
import { registerResources } from "./handlers/resources.ts";
import type { Extra } from "./handlers/shared.ts";
import { registerTools } from "./handlers/tools.ts";
import type { SessionHub, SessionLink } from "./hub.ts";
import { Routes } from "./routes.ts";

/** What a session sees: the 4 meta-tools, every tool prefixed (transparent), or one backend's own tools. */
export type Surface = { kind: "meta" } | { kind: "transparent" } | { kind: "direct"; backend: string };

const INSTRUCTIONS =
  "Tools of many servers sit behind this gateway. Find one with gateway_search_tools, then call it with gateway_invoke.";

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
