import { readFileSync } from "node:fs";
import { defineCommand } from "citty";
import { callMetaTool, callTool } from "../../client/connect.ts";
import { formatToolResult, oneLine, table } from "../../client/format.ts";
import { GatewayError } from "../../errors.ts";
import { assertKnownFlags } from "../flags.ts";
import { writeOutput } from "../output.ts";
import { clientArgs, withGateway } from "./client-options.ts";

const searchArgs = {
  query: { type: "positional", description: "Keywords or a task description", required: true },
  limit: { type: "string", alias: "n", description: "How many matches (default 10, max 50)" },
  ...clientArgs,
} as const;

const listArgs = {
  server: {
    type: "positional",
    description: "Only this server's tools",
    required: false,
    complete: "servers",
  },
  ...clientArgs,
} as const;

const callArgs = {
  server: { type: "positional", description: "Server name", required: true, complete: "servers" },
  tool: { type: "positional", description: "Tool name", required: true, complete: "tools" },
  args: { type: "string", alias: "a", description: "Arguments as a JSON object, or @file.json" },
  ...clientArgs,
} as const;

const approveArgs = {
  target: {
    type: "positional",
    description: "SERVER (all its quarantined tools) or SERVER/TOOL",
    required: true,
    complete: "servers",
  },
  config: { type: "string", alias: "c", description: "Config file (its lifecycle.cache_dir holds the pins)" },
  json: { type: "boolean", description: "Machine-readable output" },
} as const;

/** Pages `tools list` follows before it gives up on a gateway that never stops paging. */
const MAX_LIST_PAGES = 1_000;

interface Match {
  server: string;
  tool: string;
  description?: string;
  score: number;
}

/** Reads `--args`: inline JSON or `@path`; must be an object. */
export function parseToolArgs(raw: string | undefined): Record<string, unknown> {
  if (raw === undefined || raw.trim() === "") return {};
  let text = raw;
  if (raw.startsWith("@")) {
    try {
      text = readFileSync(raw.slice(1), "utf8");
    } catch (cause) {
      throw new GatewayError("USAGE", `--args ${raw}: ${(cause as Error).message}`, { cause });
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new GatewayError("USAGE", `--args is not valid JSON: ${(cause as Error).message}`, { cause });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new GatewayError("USAGE", `--args must be a JSON object like '{"name": "value"}'`);
  }
  return value as Record<string, unknown>;
}

const search = defineCommand({
  meta: { name: "search", description: "Search every backend's tools (gateway_search_tools)" },
  args: searchArgs,
  run: async ({ args, rawArgs }) => {
    assertKnownFlags(rawArgs, searchArgs);
    const limit = args.limit === undefined ? 10 : Number(args.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 50) {
      throw new GatewayError("USAGE", `--limit must be 1-50 (got "${args.limit}")`);
    }
    const answer = await withGateway(args, (s) =>
      callMetaTool(s.client, "gateway_search_tools", { query: args.query, limit }),
    );
    if (args.json) return writeOutput(`${JSON.stringify(answer, null, 2)}\n`);
    const matches = (answer.matches ?? []) as Match[];
    if (matches.length === 0) return writeOutput(`no tools match "${args.query}"\n`);
    writeOutput(
      table(
        ["SERVER", "TOOL", "SCORE", "DESCRIPTION"],
        matches.map((m) => [m.server, m.tool, m.score.toFixed(2), oneLine(m.description ?? "", 70)]),
      ),
    );
  },
});

const list = defineCommand({
  meta: { name: "list", description: "List tools, of all servers or one (gateway_list_tools)" },
  args: listArgs,
  run: async ({ args, rawArgs }) => {
    assertKnownFlags(rawArgs, listArgs);
    const answer = await withGateway(args, async (s) => {
      // The meta-tool answers in pages a model can afford; a person at a shell wants the whole list.
      const whole: Record<string, unknown> = {};
      const tools: unknown[] = [];
      let cursor: string | undefined;
      for (let pages = 0; pages < MAX_LIST_PAGES; pages++) {
        const page = await callMetaTool(s.client, "gateway_list_tools", {
          ...(args.server ? { server: args.server } : {}),
          ...(cursor ? { cursor } : {}),
        });
        const { nextCursor, note: _note, tools: pageTools, ...rest } = page;
        Object.assign(whole, rest);
        tools.push(...((pageTools ?? []) as unknown[]));
        if (typeof nextCursor !== "string") return { ...whole, tools };
        cursor = nextCursor;
      }
      throw new GatewayError(
        "BACKEND_UNAVAILABLE",
        `the gateway kept paging past ${MAX_LIST_PAGES} pages of tools`,
      );
    });
    if (args.json) return writeOutput(`${JSON.stringify(answer, null, 2)}\n`);
    const tools = answer.tools as { server?: string; name: string; description?: string }[];
    writeOutput(
      table(
        ["SERVER", "TOOL", "DESCRIPTION"],
        tools.map((t) => [t.server ?? args.server ?? "", t.name, oneLine(t.description ?? "", 70)]),
      ),
    );
  },
});

const call = defineCommand({
  meta: { name: "call", description: "Call a tool on a server (gateway_invoke)" },
  args: callArgs,
  run: async ({ args, rawArgs }) => {
    assertKnownFlags(rawArgs, callArgs);
    const toolArgs = parseToolArgs(args.args);
    const result = await withGateway(args, (s) =>
      callTool(s.client, "gateway_invoke", { server: args.server, tool: args.tool, arguments: toolArgs }),
    );
    writeOutput(args.json ? `${JSON.stringify(result, null, 2)}\n` : formatToolResult(result));
    if (result.isError) process.exitCode = 1;
  },
});

const approve = defineCommand({
  meta: {
    name: "approve",
    description: "Approve quarantined tools whose definition changed (firewall pinning)",
  },
  args: approveArgs,
  run: async ({ args, rawArgs }) => {
    assertKnownFlags(rawArgs, approveArgs);
    const { approveTools } = await import("../../firewall/approve.ts");
    const report = approveTools(args.target, { config: args.config });
    if (args.json) return writeOutput(`${JSON.stringify(report, null, 2)}\n`);
    writeOutput(`approved ${report.approved.map((t) => `${report.server}/${t}`).join(", ")}\n`);
  },
});

/** `mcp-gateway tools search|list|call|approve`: the meta-tools from the shell, and firewall approvals. */
export const toolsCommand = defineCommand({
  meta: {
    name: "tools",
    description: "Search, list and call tools through the gateway; approve changed ones",
  },
  subCommands: { search, list, call, approve },
});
