import type { GatewayErrorCode } from "./errors.ts";

/** How one error code shows at each boundary. */
export interface ErrorForm {
  /** JSON-RPC error code when the answer is a protocol error. */
  jsonRpc: number;
  /** HTTP status when the answer is an HTTP response. */
  http: number;
  /** CLI exit status: 2 for what the user can fix in the command or config, 1 otherwise. */
  exit: 1 | 2;
  /**
   * What a model should try next, appended to the message in tool results (empty: the message says it).
   * Boundaries that show errors to people or programs (CLI, JSON-RPC) leave the hint out.
   */
  hint: string;
  /**
   * How it shows when it stops a `tools/call` on the transparent or direct surface: as a tool result with
   * `isError` (the model reads it and can react), or as a JSON-RPC error (the request itself was wrong).
   */
  inCall: "result" | "protocol";
}

// JSON-RPC codes: -32602 invalid params, -32601 method not found, -32600 invalid request, -32603 internal,
// -32002 resource not found (MCP), -32001..-32099 server errors (ours).
const SERVER_ERROR = -32000;

/**
 * The one table that turns a `GatewayError` code into what each boundary shows. Nothing else chooses an
 * error's JSON-RPC code, HTTP status or exit status.
 */
export const ERROR_TABLE: Readonly<Record<GatewayErrorCode, ErrorForm>> = {
  CONFIG_NOT_FOUND: { jsonRpc: SERVER_ERROR, http: 500, exit: 2, hint: "", inCall: "protocol" },
  CONFIG_INVALID: { jsonRpc: SERVER_ERROR, http: 500, exit: 2, hint: "", inCall: "protocol" },
  USAGE: { jsonRpc: -32602, http: 400, exit: 2, hint: "", inCall: "protocol" },
  INVALID_REQUEST: { jsonRpc: -32600, http: 400, exit: 2, hint: "", inCall: "protocol" },
  INVALID_ARGUMENTS: {
    jsonRpc: -32602,
    http: 400,
    exit: 2,
    hint: "Check the tool's inputSchema (gateway_list_tools with its server) and call again.",
    inCall: "result",
  },
  BACKEND_NOT_FOUND: {
    jsonRpc: -32602,
    http: 404,
    exit: 2,
    hint: "Use gateway_search_tools to find a tool by what it does.",
    inCall: "protocol",
  },
  TOOL_NOT_FOUND: {
    jsonRpc: -32602,
    http: 404,
    exit: 2,
    hint: "Use gateway_search_tools to find the right tool.",
    inCall: "protocol",
  },
  PROMPT_NOT_FOUND: { jsonRpc: -32602, http: 404, exit: 2, hint: "", inCall: "protocol" },
  RESOURCE_NOT_FOUND: { jsonRpc: -32002, http: 404, exit: 2, hint: "", inCall: "protocol" },
  NOT_SUPPORTED: { jsonRpc: -32601, http: 400, exit: 1, hint: "", inCall: "protocol" },
  ACCESS_DENIED: {
    jsonRpc: SERVER_ERROR,
    http: 403,
    exit: 1,
    hint: "This client may not use it; ask the gateway's admin for access.",
    inCall: "result",
  },
  BACKEND_UNAVAILABLE: {
    jsonRpc: SERVER_ERROR,
    http: 502,
    exit: 1,
    hint: "It is restarted in the background: try again shortly, or check gateway_list_servers.",
    inCall: "result",
  },
  SPAWN_FAILED: {
    jsonRpc: SERVER_ERROR,
    http: 502,
    exit: 1,
    hint: "Its command failed to start; check gateway_list_servers for the error.",
    inCall: "result",
  },
  TIMEOUT: {
    jsonRpc: -32001,
    http: 504,
    exit: 1,
    hint: "The tool took too long; try a smaller request.",
    inCall: "result",
  },
  CIRCUIT_OPEN: {
    jsonRpc: SERVER_ERROR,
    http: 503,
    exit: 1,
    hint: "The server failed repeatedly and is paused; try again later or use another tool.",
    inCall: "result",
  },
  RATE_LIMITED: {
    jsonRpc: SERVER_ERROR,
    http: 429,
    exit: 1,
    hint: "Wait a moment, then call again.",
    inCall: "result",
  },
  CONCURRENCY_LIMITED: {
    jsonRpc: SERVER_ERROR,
    http: 503,
    exit: 1,
    hint: "Too many calls are running on this server; wait for one to finish.",
    inCall: "result",
  },
};

/** The boundary form of an error code. */
export function errorForm(code: GatewayErrorCode): ErrorForm {
  return ERROR_TABLE[code];
}
