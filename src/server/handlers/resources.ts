import {
  type CompleteRequest,
  CompleteRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  type ReadResourceRequest,
  ReadResourceRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { paginate } from "../pagination.ts";
import { handled, type Session, setRawHandler } from "./shared.ts";

export function registerResources({ gateway, server, context }: Session): void {
  server.setRequestHandler(
    ListResourcesRequestSchema,
    handled(async (request, extra) => {
      const { resources } = (await gateway.relay(context(extra), "resources/list")) as { resources: never[] };
      const { page, nextCursor } = paginate(resources, request.params?.cursor);
      return { resources: page, ...(nextCursor ? { nextCursor } : {}) };
    }),
  );
  server.setRequestHandler(
    ListResourceTemplatesRequestSchema,
    handled(async (request, extra) => {
      const listed = await gateway.relay(context(extra), "resources/templates/list");
      const { page, nextCursor } = paginate(listed.resourceTemplates as never[], request.params?.cursor);
      return { resourceTemplates: page, ...(nextCursor ? { nextCursor } : {}) };
    }),
  );
  setRawHandler(server, ReadResourceRequestSchema, async (request: ReadResourceRequest, extra) =>
    gateway.relay(context(extra, request.params._meta), "resources/read", request.params),
  );
  server.setRequestHandler(
    SubscribeRequestSchema,
    handled(async (request, extra) => gateway.relay(context(extra), "resources/subscribe", request.params)),
  );
  server.setRequestHandler(
    UnsubscribeRequestSchema,
    handled(async (request, extra) => gateway.relay(context(extra), "resources/unsubscribe", request.params)),
  );
  setRawHandler(server, CompleteRequestSchema, async (request: CompleteRequest, extra) =>
    gateway.relay(context(extra), "completion/complete", request.params),
  );
}
