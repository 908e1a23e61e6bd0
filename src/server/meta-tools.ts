import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { errorMessage, isGatewayError } from "../errors.ts";
import type { Gateway, ToolCallOptions } from "../gateway.ts";
import { suggest } from "../suggest.ts";
import type { MetaToolName } from "./meta-tool-definitions.ts";

type Result = CallToolResult & Record<string, unknown>;

/** A JSON answer as both structuredContent and text, so clients without structured output see it too. */
function structured(value: Record<string, unknown>): Result {
  return { content: [{ type: "text", text: JSON.stringify(value) }], structuredContent: value };
}

/** A tool-level error the model can read and correct itself from. */
export function toolError(message: string): Result {
  return { content: [{ type: "text", text: message }], isError: true };
}

const ListToolsArgs = z.object({ server: z.string().min(1).optional() });
const SearchArgs = z.object({
  query: z.string().trim().min(1, "query must not be empty"),
  limit: z.coerce.number().int().min(1).max(50).default(5),
});
const InvokeArgs = z.object({
  server: z.string().min(1),
  tool: z.string().min(1),
  arguments: z
    .union([z.record(z.string(), z.unknown()), z.string(), z.null()])
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === null || value === "") return {};
      if (typeof value !== "string") return value;
      try {
        const parsed: unknown = JSON.parse(value);
        if (parsed && typeof parsed === "object" && !Array.isArray(parsed))
          return parsed as Record<string, unknown>;
      } catch {
        // Reported below with the same message as a non-object.
      }
      ctx.addIssue({ code: "custom", message: "arguments must be a JSON object (or a string holding one)" });
      return z.NEVER;
    }),
});

function describeArgsError(tool: string, error: z.ZodError): Result {
  const details = error.issues.map((i) => `${i.path.join(".") || "arguments"}: ${i.message}`).join("; ");
  return toolError(`${tool}: invalid input: ${details}`);
}

function unknownServer(gateway: Gateway, server: string): Result {
  const close = suggest(server, gateway.pool.names);
  const hint = close.length > 0 ? ` Did you mean ${close.map((c) => `"${c}"`).join(" or ")}?` : "";
  return toolError(
    `Unknown server "${server}".${hint} Servers: ${gateway.pool.names.join(", ") || "(none)"}. ` +
      "Use gateway_search_tools to find a tool by what it does.",
  );
}

function unknownTool(gateway: Gateway, server: string, tool: string): Result {
  const own = (gateway.catalog.toolsOf(server) ?? []).map((t) => t.name);
  const close = suggest(tool, own);
  const elsewhere = gateway.catalog
    .entries()
    .filter((e) => e.tool.name === tool && e.server !== server)
    .map((e) => `"${e.server}"`);
  const parts = [`Unknown tool "${tool}" on server "${server}".`];
  if (close.length > 0) parts.push(`Did you mean ${close.map((c) => `"${c}"`).join(" or ")}?`);
  if (elsewhere.length > 0) parts.push(`A tool with that name exists on ${elsewhere.join(", ")}.`);
  parts.push("Use gateway_search_tools to find the right tool.");
  return toolError(parts.join(" "));
}

/**
 * A schema without its top-level `$schema` dialect URL: it tells the model nothing about how to call the
 * tool, and search results repeat it for every match (full definitions keep it).
 */
export function withoutDialect(schema: Record<string, unknown>): Record<string, unknown> {
  if (!("$schema" in schema)) return schema;
  const { $schema: _dialect, ...rest } = schema;
  return rest;
}

/** Longest description in the compact all-tools listing: it exists to be scanned, not read. */
export const SUMMARY_MAX = 120;

/**
 * A description cut to its first sentence and at most {@link SUMMARY_MAX} characters (at a word boundary),
 * so listing every tool of a large catalog stays affordable; full text comes with `server`.
 */
export function summary(description: string): string {
  const flat = description.replace(/\s+/g, " ").trim();
  const sentence = /^(.+?[.!?])(\s|$)/.exec(flat)?.[1] ?? flat;
  if (sentence.length <= SUMMARY_MAX) return sentence;
  const cut = sentence.slice(0, SUMMARY_MAX - 1);
  const space = cut.lastIndexOf(" ");
  return `${space > SUMMARY_MAX / 2 ? cut.slice(0, space) : cut}…`;
}

async function listServers(gateway: Gateway): Promise<Result> {
  await gateway.ready;
  const servers = gateway.pool.snapshots().map((s) => ({
    name: s.name,
    description: s.description,
    transport: s.transport,
    status: s.status,
    tools: s.tools,
    ...(s.toolsSource === "manifest" ? { tools_from: "manifest" } : {}),
    ...(s.lastError ? { error: s.lastError } : {}),
  }));
  return structured({ servers });
}

async function listTools(gateway: Gateway, raw: unknown): Promise<Result> {
  const args = ListToolsArgs.safeParse(raw ?? {});
  if (!args.success) return describeArgsError("gateway_list_tools", args.error);
  await gateway.ready;
  await gateway.freshenTools();
  const { server } = args.data;
  if (server === undefined) {
    const tools = gateway.catalog
      .entries()
      .map((e) => ({ server: e.server, name: e.tool.name, description: summary(e.tool.description ?? "") }));
    return structured({ tools });
  }
  const backend = gateway.pool.get(server);
  if (!backend) return unknownServer(gateway, server);
  const tools = backend.tools.map((t) => ({
    name: t.name,
    description: t.description ?? "",
    inputSchema: t.inputSchema,
    ...(t.annotations ? { annotations: t.annotations } : {}),
  }));
  const state = backend.snapshot();
  const note = state.status === "error" ? { error: state.lastError } : {};
  return structured({ server, tools, ...note });
}

async function searchTools(gateway: Gateway, raw: unknown): Promise<Result> {
  const args = SearchArgs.safeParse(raw ?? {});
  if (!args.success) return describeArgsError("gateway_search_tools", args.error);
  await gateway.ready;
  await gateway.freshenTools();
  const matches = gateway.search.search(args.data.query, args.data.limit).map((m) => ({
    server: m.entry.server,
    tool: m.entry.tool.name,
    description: m.entry.tool.description ?? "",
    score: m.score,
    inputSchema: withoutDialect(m.entry.tool.inputSchema),
  }));
  if (matches.length > 0) return structured({ query: args.data.query, matches });
  // An empty answer should still move the agent forward.
  const hint =
    gateway.catalog.entries().length === 0
      ? "No tools are known yet: check gateway_list_servers for backends that failed to start."
      : "No tool matched. Try other or fewer words, or browse with gateway_list_servers and gateway_list_tools.";
  return structured({ query: args.data.query, matches, hint });
}

/** Relay options plus a hook that lets the session hub know which backend the call runs on. */
export interface InvokeOptions extends ToolCallOptions {
  track?: <T>(backend: string, run: () => Promise<T>) => Promise<T>;
}

async function invoke(gateway: Gateway, raw: unknown, options: InvokeOptions): Promise<Result> {
  const args = InvokeArgs.safeParse(raw ?? {});
  if (!args.success) return describeArgsError("gateway_invoke", args.error);
  const { server, tool, arguments: toolArgs } = args.data;
  const backend = gateway.pool.get(server);
  if (!backend) return unknownServer(gateway, server);
  if (!gateway.catalog.find(server, tool)) {
    // No tool list known yet (never started, no manifest): start it to learn one, through its breaker.
    if (backend.tools.length === 0 && backend.snapshot().status !== "running") {
      try {
        await gateway.policy(server).run(() => backend.start(), { retrySafe: true, signal: options.signal });
      } catch (err) {
        return toolError(`Server "${server}" is unavailable: ${errorMessage(err)}`);
      }
    }
    if (!gateway.catalog.find(server, tool)) return unknownTool(gateway, server, tool);
  }
  try {
    const run = (): Promise<Record<string, unknown>> => gateway.callTool(server, tool, toolArgs, options);
    return (await (options.track ? options.track(server, run) : run())) as Result;
  } catch (err) {
    if (isGatewayError(err, "BACKEND_UNAVAILABLE", "SPAWN_FAILED")) {
      return toolError(`Server "${server}" is unavailable: ${errorMessage(err)}`);
    }
    return toolError(`Calling "${tool}" on "${server}" failed: ${errorMessage(err)}`);
  }
}

/** Runs one meta-tool; every failure comes back as an `isError` result the model can act on. */
export function callMetaTool(
  gateway: Gateway,
  name: MetaToolName,
  args: unknown,
  options: InvokeOptions = {},
): Promise<Result> {
  switch (name) {
    case "gateway_list_servers":
      return listServers(gateway);
    case "gateway_list_tools":
      return listTools(gateway, args);
    case "gateway_search_tools":
      return searchTools(gateway, args);
    case "gateway_invoke":
      return invoke(gateway, args, options);
  }
}
