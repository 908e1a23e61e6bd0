import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import {
  CompleteRequestSchema,
  ErrorCode,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import type { Backend } from "../../backends/backend.ts";
import type { Gateway } from "../../gateway.ts";
import { type SessionHub, type SessionLink, subscriptionKey } from "../hub.ts";
import { paginate } from "../pagination.ts";
import type { Routes } from "../routes.ts";
import { mustRelay, ready, relayOptions, setRawHandler, type Track } from "./shared.ts";

export function registerResources(
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
