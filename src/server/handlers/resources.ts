import {
  type CompleteRequest,
  CompleteRequestSchema,
  type ListResourcesRequest,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  type ReadResourceRequest,
  ReadResourceRequestSchema,
  type SubscribeRequest,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import type { Gateway } from "../../gateway/gateway.ts";
import { paginate } from "../pagination.ts";
import { type Operation, operation } from "./shared.ts";

type Paged = ListResourcesRequest["params"];

/** Resources (list, templates, read, subscriptions) and completions, relayed to the backends. */
export function resourceOperations(gateway: Gateway): Operation[] {
  return [
    operation("resources/list", ListResourcesRequestSchema, async (ctx, params: Paged) => {
      const { resources } = (await gateway.relay(ctx, "resources/list")) as { resources: never[] };
      const { page, nextCursor } = paginate(resources, params?.cursor);
      return { resources: page, ...(nextCursor ? { nextCursor } : {}) };
    }),
    operation("resources/templates/list", ListResourceTemplatesRequestSchema, async (ctx, params: Paged) => {
      const listed = await gateway.relay(ctx, "resources/templates/list");
      const { page, nextCursor } = paginate(listed.resourceTemplates as never[], params?.cursor);
      return { resourceTemplates: page, ...(nextCursor ? { nextCursor } : {}) };
    }),
    operation(
      "resources/read",
      ReadResourceRequestSchema,
      (ctx, params: ReadResourceRequest["params"]) => gateway.relay(ctx, "resources/read", params),
      { raw: true, progress: true },
    ),
    operation(
      "resources/subscribe",
      SubscribeRequestSchema,
      (ctx, params: SubscribeRequest["params"]) => gateway.relay(ctx, "resources/subscribe", params),
      { legacyOnly: true },
    ),
    operation(
      "resources/unsubscribe",
      UnsubscribeRequestSchema,
      (ctx, params: SubscribeRequest["params"]) => gateway.relay(ctx, "resources/unsubscribe", params),
      { legacyOnly: true },
    ),
    operation(
      "completion/complete",
      CompleteRequestSchema,
      (ctx, params: CompleteRequest["params"]) => gateway.relay(ctx, "completion/complete", params),
      { raw: true },
    ),
  ];
}
