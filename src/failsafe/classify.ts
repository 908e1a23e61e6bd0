import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import { isGatewayError } from "../errors.ts";

/**
 * What a failed call tells the failsafes:
 * - `not-reached`: the request was never sent (backend down, spawn failed, connection refused). Always safe
 *   to retry; counts against the circuit.
 * - `maybe-reached`: sent but unanswered (timeout, connection lost mid-call, anything unknown). Retried only
 *   for read-only/idempotent tools; counts against the circuit.
 * - `answered`: the backend replied with a JSON-RPC error. It is alive: not retried, counts as a success.
 * - `rejected`: a local failsafe refused the call (circuit, rate or concurrency limit). Neither retried nor
 *   counted.
 * - `cancelled`: the caller aborted. Neither retried nor counted.
 */
export type FailureKind = "not-reached" | "maybe-reached" | "answered" | "rejected" | "cancelled";

// Errors from the network layer that mean no byte of the request reached a server (Node and Bun spellings).
const REFUSED = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ConnectionRefused",
  "FailedToOpenSocket",
]);

/**
 * Classifies a thrown value. The contract with backends: throw `BACKEND_UNAVAILABLE` or `SPAWN_FAILED` only
 * when the request was never sent; anything that may have reached the backend must use another code.
 */
export function classifyFailure(error: unknown, signal?: AbortSignal): FailureKind {
  if (signal?.aborted) return "cancelled";
  if (isGatewayError(error, "CIRCUIT_OPEN", "RATE_LIMITED", "CONCURRENCY_LIMITED")) return "rejected";
  if (isGatewayError(error, "BACKEND_UNAVAILABLE", "SPAWN_FAILED")) return "not-reached";
  if (isGatewayError(error)) return "maybe-reached";
  if (error instanceof McpError) {
    return error.code === ErrorCode.ConnectionClosed || error.code === ErrorCode.RequestTimeout
      ? "maybe-reached"
      : "answered";
  }
  if (refused(error)) return "not-reached";
  return "maybe-reached";
}

function refused(error: unknown): boolean {
  for (
    let current = error, depth = 0;
    depth < 3 && typeof current === "object" && current !== null;
    depth++
  ) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && REFUSED.has(code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** True when a tool's annotations promise that running it twice does no harm (readOnly or idempotent). */
export function isRetrySafeTool(tool: {
  annotations?: { readOnlyHint?: boolean; idempotentHint?: boolean };
}): boolean {
  return tool.annotations?.readOnlyHint === true || tool.annotations?.idempotentHint === true;
}
