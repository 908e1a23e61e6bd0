import {
  type CallToolRequest,
  CallToolRequestSchema,
  type ListToolsRequest,
  ListToolsRequestSchema,
  type Tool,
} from "@modelcontextprotocol/sdk/types.js";
import { GatewayError } from "../../errors.ts";
import type { CallContext, Surface } from "../../gateway/call-context.ts";
import type { Gateway } from "../../gateway/gateway.ts";
import { exposedName } from "../../gateway/tool-names.ts";
import { log } from "../../log.ts";
import { didYouMean } from "../../suggest.ts";
import { WEBHOOKS_BACKEND } from "../../webhooks/backend.ts";
import { EVENTS_TOOL, WEBHOOK_EVENTS_TOOL } from "../../webhooks/events-tool.ts";
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
      "the meta surface runs no tool as a task (gateway_invoke's result is the gateway's); call it without `task`, or call the tool as a task on /mcp/{backend}",
    );
  }
}

/** A surfaced tool as configured (`server/tool`), with the name it is listed under. */
interface SurfacedTool {
  server: string;
  tool: string;
  name: string;
}

function surfacedTools(gateway: Gateway): SurfacedTool[] {
  // The webhooks' events tool joins a meta surface only when webhooks are configured.
  const own = gateway.webhooks
    ? [{ server: WEBHOOKS_BACKEND, tool: EVENTS_TOOL.name, name: WEBHOOK_EVENTS_TOOL }]
    : [];
  return [
    ...own,
    ...gateway.surfaced.map((spec) => {
      const slash = spec.indexOf("/");
      const server = spec.slice(0, slash);
      const tool = spec.slice(slash + 1);
      return { server, tool, name: exposedName(server, tool) };
    }),
  ];
}

/** Surfaced tools already warned about, per gateway, so each problem is logged once, not per tools/list. */
const warned = new WeakMap<Gateway, Set<string>>();

function warnOnce(gateway: Gateway, spec: string, message: string): void {
  const seen = warned.get(gateway) ?? new Set<string>();
  warned.set(gateway, seen);
  if (seen.has(spec)) return;
  seen.add(spec);
  log.withTag("surfaced").warn(message);
}

/**
 * The meta-tools, then the surfaced tools in config order (never the catalog's order, so the list stays
 * byte-stable for clients' prompt caches). A surfaced tool whose backend or tool is missing is left out.
 */
export async function metaToolList(gateway: Gateway, ctx: CallContext): Promise<Tool[]> {
  const surfaced = surfacedTools(gateway);
  if (surfaced.length === 0) return META_TOOLS;
  const { tools } = await gateway.listTools(ctx);
  const shown: Tool[] = [...META_TOOLS];
  for (const s of surfaced) {
    const spec = `${s.server}/${s.tool}`;
    if (!gateway.hasBackend(s.server)) {
      warnOnce(gateway, spec, `meta_mcp.surfaced: "${spec}" left out: no backend "${s.server}"`);
      continue;
    }
    const found = tools.find((t) => t.server === s.server && t.tool.name === s.tool);
    if (!found) {
      if (!gateway.restricts(ctx.principal)) {
        warnOnce(
          gateway,
          spec,
          `meta_mcp.surfaced: "${spec}" left out: "${s.server}" lists no tool "${s.tool}"`,
        );
      }
      continue;
    }
    shown.push({ ...found.tool, name: s.name });
  }
  return shown;
}

function metaOperations(gateway: Gateway): Operation[] {
  return [
    operation("tools/list", ListToolsRequestSchema, async (ctx) => ({
      tools: await metaToolList(gateway, ctx),
    })),
    operation(
      "tools/call",
      CallToolRequestSchema,
      async (ctx, params: CallParams) => {
        refuseTasks(params);
        const { name, arguments: args = {} } = params;
        if ((META_TOOL_NAMES as readonly string[]).includes(name)) {
          return callMetaTool(gateway, ctx, name as MetaToolName, args);
        }
        const surfaced = surfacedTools(gateway);
        const target = surfaced.find((s) => s.name === name);
        if (!target) {
          const known = [...META_TOOL_NAMES, ...surfaced.map((s) => s.name)];
          throw new GatewayError("TOOL_NOT_FOUND", `Unknown tool "${name}"${didYouMean(name, known)}`);
        }
        try {
          return await gateway.invoke(ctx, { server: target.server, tool: target.tool }, args);
        } catch (error) {
          return relayedCallError(error, { server: target.server, tool: target.tool });
        }
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
        const { name, arguments: args = {}, task } = params;
        const target = surface.kind === "direct" ? { server: surface.backend, tool: name } : { name };
        try {
          return await gateway.invoke(ctx, target, args, { task });
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

/** The tools requests of a surface: the four meta-tools (and any surfaced tools), or every tool relayed. */
export function toolOperations(gateway: Gateway, surface: Surface): Operation[] {
  return surface.kind === "meta" ? metaOperations(gateway) : relayedOperations(gateway, surface);
}
