import type { Tool } from "@modelcontextprotocol/sdk/types.js";

/** Names of the meta-tools: a public API, never renamed. */
export const META_TOOL_NAMES = [
  "gateway_list_servers",
  "gateway_list_tools",
  "gateway_search_tools",
  "gateway_invoke",
] as const;
export type MetaToolName = (typeof META_TOOL_NAMES)[number];

const TOOL_SUMMARY = {
  type: "object",
  properties: {
    server: { type: "string" },
    name: { type: "string" },
    description: { type: "string" },
    inputSchema: { type: "object" },
    annotations: { type: "object" },
  },
} as const;

/**
 * The four meta-tools. Kept short and byte-stable: no live counts, so clients' prompt caches keep hitting;
 * every word here is paid for on every request of every session.
 */
export const META_TOOLS: Tool[] = [
  {
    name: "gateway_list_servers",
    description: "List the MCP servers behind this gateway with their status and tool counts.",
    inputSchema: { type: "object", properties: {} },
    outputSchema: {
      type: "object",
      properties: {
        servers: {
          type: "array",
          items: {
            type: "object",
            properties: {
              name: { type: "string" },
              description: { type: "string" },
              transport: { type: "string" },
              status: {
                type: "string",
                enum: ["configured", "starting", "running", "sleeping", "error", "stopped"],
              },
              tools: { type: "integer" },
              error: { type: "string" },
            },
            required: ["name", "description", "transport", "status", "tools"],
          },
        },
      },
      required: ["servers"],
    },
    annotations: { readOnlyHint: true, openWorldHint: false },
  },
  {
    name: "gateway_list_tools",
    description:
      "List tools. With server: that server's full definitions (inputSchema). Without: name and one-line summary of every tool.",
    inputSchema: {
      type: "object",
      properties: {
        server: { type: "string", description: "Server name" },
        // No description: every page that has a next one says in its note how to ask for it.
        cursor: { type: "string" },
      },
    },
    outputSchema: {
      type: "object",
      properties: {
        server: { type: "string" },
        tools: { type: "array", items: TOOL_SUMMARY },
        nextCursor: { type: "string" },
      },
      required: ["tools"],
    },
    annotations: { readOnlyHint: true, openWorldHint: false },
  },
  {
    name: "gateway_search_tools",
    description:
      "Search all servers' tools by keywords or a task description. Returns server, tool and inputSchema for gateway_invoke.",
    inputSchema: {
      type: "object",
      properties: {
        query: { type: "string" },
        limit: { type: "integer", minimum: 1, maximum: 50, default: 5 },
      },
      required: ["query"],
    },
    outputSchema: {
      type: "object",
      properties: {
        query: { type: "string" },
        matches: {
          type: "array",
          items: {
            type: "object",
            properties: {
              server: { type: "string" },
              tool: { type: "string" },
              description: { type: "string" },
              score: { type: "number" },
              inputSchema: { type: "object" },
              signature: { type: "string" },
            },
            required: ["server", "tool", "score"],
          },
        },
        hint: { type: "string" },
      },
      required: ["query", "matches"],
    },
    annotations: { readOnlyHint: true, openWorldHint: false },
  },
  {
    name: "gateway_invoke",
    description: "Call a tool on a server. Find the names with gateway_search_tools first.",
    inputSchema: {
      type: "object",
      properties: {
        server: { type: "string" },
        tool: { type: "string" },
        arguments: { type: "object", description: "Arguments matching the tool's inputSchema" },
      },
      required: ["server", "tool"],
    },
  },
];
