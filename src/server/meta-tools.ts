import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import type { CallContext } from "../gateway/call-context.ts";
import type { Gateway } from "../gateway/gateway.ts";
import { toolCallError, toolError } from "./boundary.ts";
import { CUT, compactSchema, cutText, signature, TOOL_DESCRIPTION_MAX } from "./compact-schema.ts";
import type { MetaToolName } from "./meta-tool-definitions.ts";
import { toolPage } from "./tool-pages.ts";

type Result = CallToolResult & Record<string, unknown>;

/** A JSON answer as both structuredContent and text, so clients without structured output see it too. */
function structured(value: Record<string, unknown>): Result {
  return { content: [{ type: "text", text: JSON.stringify(value) }], structuredContent: value };
}

const ListToolsArgs = z.object({
  server: z.string().min(1).optional(),
  cursor: z.string().min(1).optional(),
});
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
  return toolError(`${tool}: invalid input: ${details}`) as Result;
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

async function listServers(gateway: Gateway, ctx: CallContext): Promise<Result> {
  const servers = (await gateway.listServers(ctx)).map((s) => ({
    name: s.name,
    description: s.description,
    transport: s.transport,
    status: s.status,
    tools: s.tools,
    ...(s.toolsSource === "manifest" ? { tools_from: "manifest" } : {}),
    ...(s.lastError ? { error: s.lastError } : {}),
    ...(s.quarantined ? { quarantined: s.quarantined } : {}),
    ...(s.findings ? { findings: s.findings } : {}),
  }));
  return structured({ servers });
}

/** The page fields of a `gateway_list_tools` answer: the next cursor and a note on how to use it. */
function pageFields(nextCursor: string | undefined): Record<string, unknown> {
  return nextCursor
    ? {
        nextCursor,
        note: "More tools: call gateway_list_tools again with this cursor (and the same server).",
      }
    : {};
}

async function listTools(gateway: Gateway, ctx: CallContext, raw: unknown): Promise<Result> {
  const args = ListToolsArgs.safeParse(raw ?? {});
  if (!args.success) return describeArgsError("gateway_list_tools", args.error);
  const { server, cursor } = args.data;
  if (server === undefined) {
    const all = (await gateway.listTools(ctx)).tools.map((t) => ({
      server: t.server,
      name: t.tool.name,
      description: summary(t.tool.description ?? ""),
    }));
    const { page, nextCursor } = toolPage(all, cursor, "", (t) => `${t.server}/${t.name}`);
    return structured({ tools: page, ...pageFields(nextCursor) });
  }
  const listing = await gateway.listTools(ctx, { server });
  const all = listing.tools.map(({ tool: t }) => ({
    name: t.name,
    description: t.description ?? "",
    inputSchema: t.inputSchema,
    ...(t.annotations ? { annotations: t.annotations } : {}),
  }));
  const { page, nextCursor } = toolPage(all, cursor, server, (t) => t.name);
  return structured({
    server,
    tools: page,
    ...(listing.error ? { error: listing.error } : {}),
    ...pageFields(nextCursor),
  });
}

/**
 * Characters the whole-schema matches of one search answer may take: the first match always comes whole
 * (its compact `inputSchema`), the second too while both fit; the rest carry a one-line `signature` and a
 * short description, so five matches stay affordable on any catalog.
 */
export const FULL_MATCH_CHARS = 1600;
/** Longest description a signature-only match keeps. */
export const SIGNATURE_DESCRIPTION_MAX = 100;

/** What a search answer says about its short forms, so the model knows how to get the rest. */
function searchNote(cut: boolean, signatures: boolean): { note?: string } {
  const notes = [
    ...(signatures ? ['A match with a signature has no inputSchema here: search "server/tool" for it.'] : []),
    ...(cut ? [`${CUT} marks cut text: gateway_list_tools with the server has it whole.`] : []),
  ];
  return notes.length > 0 ? { note: notes.join(" ") } : {};
}

async function searchTools(gateway: Gateway, ctx: CallContext, raw: unknown): Promise<Result> {
  const args = SearchArgs.safeParse(raw ?? {});
  if (!args.success) return describeArgsError("gateway_search_tools", args.error);
  let cut = false;
  let signatures = false;
  let firstChars = 0;
  const matches = (await gateway.search(ctx, args.data.query, args.data.limit)).map((m, rank) => {
    const description = cutText(m.tool.description ?? "", TOOL_DESCRIPTION_MAX);
    const schema = compactSchema(m.tool.inputSchema);
    const full = {
      server: m.server,
      tool: m.tool.name,
      description: description.text,
      score: m.score,
      inputSchema: schema.schema,
    };
    const size = JSON.stringify(full).length;
    if (rank === 0 || (rank === 1 && firstChars + size <= FULL_MATCH_CHARS)) {
      firstChars += size;
      cut ||= description.cut || schema.cut;
      return full;
    }
    signatures = true;
    const short = cutText(summary(m.tool.description ?? ""), SIGNATURE_DESCRIPTION_MAX);
    const line = signature(m.tool.inputSchema);
    cut ||= short.cut || line.cut;
    return {
      server: m.server,
      tool: m.tool.name,
      description: short.text,
      score: m.score,
      signature: line.text,
    };
  });
  if (matches.length > 0) {
    return structured({ query: args.data.query, matches, ...searchNote(cut, signatures) });
  }
  // An empty answer should still move the agent forward.
  const hint = gateway.catalogEmpty
    ? "No tools are known yet: check gateway_list_servers for backends that failed to start."
    : "No tool matched. Try other or fewer words, or browse with gateway_list_servers and gateway_list_tools.";
  return structured({ query: args.data.query, matches, hint });
}

async function invoke(gateway: Gateway, ctx: CallContext, raw: unknown): Promise<Result> {
  const args = InvokeArgs.safeParse(raw ?? {});
  if (!args.success) return describeArgsError("gateway_invoke", args.error);
  const { server, tool, arguments: toolArgs } = args.data;
  return (await gateway.invoke(ctx, { server, tool }, toolArgs)) as Result;
}

/** Runs one meta-tool; every failure comes back as an `isError` result the model can act on. */
export async function callMetaTool(
  gateway: Gateway,
  ctx: CallContext,
  name: MetaToolName,
  args: unknown,
): Promise<Result> {
  try {
    switch (name) {
      case "gateway_list_servers":
        return await listServers(gateway, ctx);
      case "gateway_list_tools":
        return await listTools(gateway, ctx, args);
      case "gateway_search_tools":
        return await searchTools(gateway, ctx, args);
      case "gateway_invoke":
        return await invoke(gateway, ctx, args);
    }
  } catch (error) {
    const target = InvokeArgs.safeParse(args ?? {});
    return toolCallError(
      error,
      target.success ? { server: target.data.server, tool: target.data.tool } : { tool: name },
    ) as Result;
  }
}
