import { McpError } from "@modelcontextprotocol/sdk/types.js";
import { errorForm } from "../error-table.ts";
import { errorMessage, isGatewayError } from "../errors.ts";

type Result = Record<string, unknown>;

/** The tool a failed call named: server and tool, or (transparent) only the exposed name. */
export interface CallTarget {
  server?: string | undefined;
  tool: string;
}

/** A tool-level error the model can read and correct itself from. */
export function toolError(message: string): Result {
  return { content: [{ type: "text", text: message }], isError: true };
}

function withHint(message: string, hint: string): string {
  if (hint === "") return message;
  return `${message.replace(/\s+$/, "")}${/[.!?]$/.test(message.trim()) ? "" : "."} ${hint}`;
}

/**
 * An error as a protocol answer: a backend's own JSON-RPC error passes through as it sent it, a gateway
 * error gets its code from the error table, anything else is left to the SDK (internal error).
 */
export function asProtocolError(error: unknown): unknown {
  if (error instanceof McpError) return error;
  if (isGatewayError(error)) return new McpError(errorForm(error.code).jsonRpc, error.message);
  return error;
}

/**
 * What a failed tool call shows the model: a tool result with `isError`, naming what failed and what to
 * try. Errors that stop the call before it reaches a tool (unknown server or tool) read as they are; failures
 * on the way to or in the backend say which tool on which server failed.
 */
export function toolCallError(error: unknown, target: CallTarget): Result {
  const calling = target.server
    ? `Calling "${target.tool}" on "${target.server}"`
    : `Calling "${target.tool}"`;
  if (!isGatewayError(error)) return toolError(`${calling} failed: ${errorMessage(error)}`);
  const { hint } = errorForm(error.code);
  switch (error.code) {
    case "BACKEND_NOT_FOUND":
    case "TOOL_NOT_FOUND":
    case "ACCESS_DENIED":
      return toolError(withHint(error.message, hint));
    case "BACKEND_UNAVAILABLE":
    case "SPAWN_FAILED":
      return toolError(
        withHint(
          `${target.server ? `Server "${target.server}"` : `"${target.tool}"`} is unavailable: ${error.message}`,
          hint,
        ),
      );
    default:
      return toolError(withHint(`${calling} failed: ${error.message}`, hint));
  }
}

/**
 * A failed `tools/call` on the transparent or direct surface: the backend's own JSON-RPC errors and
 * request-shaped gateway errors (unknown tool) are protocol errors; everything else (unavailable, timeout,
 * refused by a failsafe) a tool result, so the model sees what happened.
 */
export function relayedCallError(error: unknown, target: CallTarget): Result {
  if (error instanceof McpError) throw error;
  if (isGatewayError(error) && errorForm(error.code).inCall === "protocol") throw asProtocolError(error);
  return toolCallError(error, target);
}
