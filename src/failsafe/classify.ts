import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import { connectionFailureOf } from "../backends/connection-failure.ts";
import { isGatewayError } from "../errors.ts";
import type { FailureSource } from "./circuit-breaker.ts";

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
  return causes(error).some((e) => {
    const code = (e as { code?: unknown }).code;
    return typeof code === "string" && REFUSED.has(code);
  });
}

/**
 * True when the failure is a timeout (the gateway's own `TIMEOUT`, or an SDK request timeout, e.g. a start
 * that did not answer initialize), even wrapped as the cause of another error. A timed-out request cost a
 * whole timeout and may still be running: repeating it is only for calls that are safe to repeat.
 */
export function isTimeout(error: unknown): boolean {
  return causes(error).some(
    (e) => isGatewayError(e, "TIMEOUT") || (e instanceof McpError && e.code === ErrorCode.RequestTimeout),
  );
}

/** The connection a failure came from, when the backend tagged it (see `backends/connection-failure.ts`). */
export function failureSourceOf(error: unknown): FailureSource | undefined {
  const failure = connectionFailureOf(error);
  return failure ? { key: failure.connection, recovered: failure.restored } : undefined;
}

// The error and its first two causes.
function causes(error: unknown): object[] {
  const chain: object[] = [];
  for (
    let current = error;
    chain.length < 3 && typeof current === "object" && current !== null;
    current = (current as { cause?: unknown }).cause
  ) {
    chain.push(current);
  }
  return chain;
}

/** True when a tool's annotations promise that running it twice does no harm (readOnly or idempotent). */
export function isRetrySafeTool(tool: {
  annotations?: { readOnlyHint?: boolean; idempotentHint?: boolean };
}): boolean {
  return tool.annotations?.readOnlyHint === true || tool.annotations?.idempotentHint === true;
}
