import { type SetLevelRequest, SetLevelRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import type { Surface } from "../../gateway/call-context.ts";
import type { Gateway } from "../../gateway/gateway.ts";
import { promptOperations } from "./prompts.ts";
import { resourceOperations } from "./resources.ts";
import { type Operation, operation } from "./shared.ts";
import { taskOperations } from "./tasks.ts";
import { toolOperations } from "./tools.ts";

/** Every request a surface answers, for both protocol revisions (each calls one facade method). */
export function surfaceOperations(gateway: Gateway, surface: Surface): Operation[] {
  return [
    ...toolOperations(gateway, surface),
    ...resourceOperations(gateway),
    ...promptOperations(gateway),
    ...taskOperations(gateway, surface),
    operation(
      "logging/setLevel",
      SetLevelRequestSchema,
      (ctx, params: SetLevelRequest["params"]) => gateway.relay(ctx, "logging/setLevel", params),
      { legacyOnly: true },
    ),
  ];
}
