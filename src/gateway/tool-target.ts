import type { Backend } from "../backends/backend.ts";
import type { CatalogEntry } from "../catalog/catalog.ts";
import { GatewayError } from "../errors.ts";
import { isRetrySafeTool } from "../failsafe/classify.ts";
import { didYouMean, suggest } from "../suggest.ts";
import { throughChain } from "../transforms/transforms.ts";
import type { CallContext } from "./call-context.ts";
import type { GatewayCore } from "./core.ts";
import type { BackendRequest } from "./pipeline.ts";
import { startThroughBreaker } from "./pipeline.ts";
import { ToolNameMap } from "./tool-names.ts";

/** A tool as a client names it: server and tool (meta, direct), or one exposed name (transparent). */
export type ToolTarget = { server: string; tool: string } | { name: string };

/** Unknown server: names the close ones and every server, so a model can correct itself. */
export function unknownServer(core: GatewayCore, server: string): GatewayError {
  const close = suggest(server, core.pool.names);
  const hint = close.length > 0 ? ` Did you mean ${close.map((c) => `"${c}"`).join(" or ")}?` : "";
  return new GatewayError(
    "BACKEND_NOT_FOUND",
    `Unknown server "${server}".${hint} Servers: ${core.pool.names.join(", ") || "(none)"}.`,
  );
}

function unknownTool(core: GatewayCore, server: string, tool: string): GatewayError {
  const own = (core.catalog.toolsOf(server) ?? []).map((t) => t.name);
  const close = suggest(tool, own);
  const elsewhere = core.catalog
    .entries()
    .filter((e) => e.tool.name === tool && e.server !== server)
    .map((e) => `"${e.server}"`);
  const parts = [`Unknown tool "${tool}" on server "${server}".`];
  if (close.length > 0) parts.push(`Did you mean ${close.map((c) => `"${c}"`).join(" or ")}?`);
  if (elsewhere.length > 0) parts.push(`A tool with that name exists on ${elsewhere.join(", ")}.`);
  return new GatewayError("TOOL_NOT_FOUND", parts.join(" "));
}

/** Transparent-mode names, rebuilt only when the catalog changed. */
export class ExposedNames {
  readonly #core: GatewayCore;
  #map: ToolNameMap | undefined;
  #builtFor = -1;

  constructor(core: GatewayCore) {
    this.#core = core;
  }

  get map(): ToolNameMap {
    if (!this.#map || this.#builtFor !== this.#core.catalog.version) {
      this.#map = new ToolNameMap(this.#core.catalog.entries());
      this.#builtFor = this.#core.catalog.version;
    }
    return this.#map;
  }

  /** The entry behind an exposed name, or behind a tool's own name when exactly one backend has it. */
  resolve(name: string): CatalogEntry | undefined {
    const exposed = this.map.resolve(name);
    if (exposed) return exposed;
    const matches = this.#core.catalog.entries().filter((e) => e.tool.name === name);
    return matches.length === 1 ? matches[0] : undefined;
  }
}

function backendOf(core: GatewayCore, server: string): Backend {
  const backend = core.pool.get(server);
  if (!backend) throw unknownServer(core, server);
  return backend;
}

function toolRequest(
  core: GatewayCore,
  backend: Backend,
  tool: string,
  entry: CatalogEntry | undefined,
): BackendRequest {
  // A transformed tool is called by the backend's own name, with hidden arguments and defaults filled.
  const chain = core.transforms.chainOf(backend.name);
  const call = chain?.resolve(tool);
  if (chain && !call) throw unknownTool(core, backend.name, tool);
  return {
    backend: call ? throughChain(backend, call) : backend,
    kind: "tool",
    name: tool,
    label: tool,
    retrySafe: entry ? isRetrySafeTool(entry.tool) : false,
  };
}

/**
 * Resolves a tool target to the backend that will answer it. Meta and transparent calls must name a listed
 * tool (a backend whose tools were never listed is started, through its breaker, to learn them); a direct
 * session (`/mcp/{backend}`) relays any name, since the backend may have tools it did not list.
 * @throws GatewayError BACKEND_NOT_FOUND, TOOL_NOT_FOUND, or what starting the backend threw
 */
export async function resolveTool(
  core: GatewayCore,
  names: ExposedNames,
  ctx: CallContext,
  target: ToolTarget,
): Promise<BackendRequest> {
  if ("name" in target) {
    await core.ready;
    const entry = names.resolve(target.name);
    if (!entry) {
      throw new GatewayError(
        "TOOL_NOT_FOUND",
        `Unknown tool "${target.name}"${didYouMean(target.name, names.map.names())}`,
      );
    }
    return toolRequest(core, backendOf(core, entry.server), entry.tool.name, entry);
  }
  const backend = backendOf(core, target.server);
  let entry = core.catalog.find(target.server, target.tool);
  if (ctx.surface.kind === "direct") return toolRequest(core, backend, target.tool, entry);
  if (!entry && backend.tools.length === 0) {
    await startThroughBreaker(core, backend, ctx.signal);
    entry = core.catalog.find(target.server, target.tool);
  }
  if (!entry) throw unknownTool(core, target.server, target.tool);
  return toolRequest(core, backend, target.tool, entry);
}
