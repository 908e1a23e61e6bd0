import { describe, expect, test } from "bun:test";
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import { GatewayError } from "../../src/errors.ts";
import { classifyFailure, isRetrySafeTool } from "../../src/failsafe/classify.ts";
import { CircuitOpenError, ConcurrencyLimitedError, RateLimitedError } from "../../src/failsafe/errors.ts";

describe("classifyFailure", () => {
  const cases: [string, unknown, string][] = [
    ["GatewayError BACKEND_UNAVAILABLE", new GatewayError("BACKEND_UNAVAILABLE", "down"), "not-reached"],
    ["GatewayError SPAWN_FAILED", new GatewayError("SPAWN_FAILED", "ENOENT"), "not-reached"],
    [
      "error with code ConnectionRefused",
      Object.assign(new Error("fetch failed"), { code: "ConnectionRefused" }),
      "not-reached",
    ],
    [
      "error caused by ECONNREFUSED",
      new TypeError("fetch failed", { cause: { code: "ECONNREFUSED" } }),
      "not-reached",
    ],
    ["GatewayError TIMEOUT", new GatewayError("TIMEOUT", "slow"), "maybe-reached"],
    [
      "McpError ConnectionClosed",
      new McpError(ErrorCode.ConnectionClosed, "Connection closed"),
      "maybe-reached",
    ],
    ["McpError RequestTimeout", new McpError(ErrorCode.RequestTimeout, "Request timed out"), "maybe-reached"],
    ["Error", new Error("something odd"), "maybe-reached"],
    ["a thrown string", "a string", "maybe-reached"],
    [
      "error with code ECONNRESET",
      Object.assign(new Error("reset"), { code: "ECONNRESET" }),
      "maybe-reached",
    ],
    ["McpError InvalidParams", new McpError(ErrorCode.InvalidParams, "bad"), "answered"],
    ["McpError InternalError", new McpError(ErrorCode.InternalError, "tool crashed"), "answered"],
    ["CircuitOpenError", new CircuitOpenError("b", "open", { retryAt: 0, retryAfterMs: 0 }), "rejected"],
    ["RateLimitedError", new RateLimitedError("b", "slow", { retryAfterMs: 5 }), "rejected"],
    [
      "ConcurrencyLimitedError",
      new ConcurrencyLimitedError("b", "busy", { maxConcurrent: 1, queueTimeoutMs: 0 }),
      "rejected",
    ],
  ];
  test.each(cases)("%s is %s", (_label, error, kind) => {
    expect(classifyFailure(error)).toBe(kind as ReturnType<typeof classifyFailure>);
  });

  test("anything is cancelled once the caller's signal aborted", () => {
    expect(classifyFailure(new GatewayError("BACKEND_UNAVAILABLE", "x"), AbortSignal.abort())).toBe(
      "cancelled",
    );
    expect(classifyFailure(new GatewayError("TIMEOUT", "x"), new AbortController().signal)).toBe(
      "maybe-reached",
    );
  });
});

describe("isRetrySafeTool", () => {
  test("read-only or idempotent tools are safe to repeat; everything else is not", () => {
    expect(isRetrySafeTool({ annotations: { readOnlyHint: true } })).toBe(true);
    expect(isRetrySafeTool({ annotations: { idempotentHint: true } })).toBe(true);
    expect(isRetrySafeTool({ annotations: { readOnlyHint: false, idempotentHint: false } })).toBe(false);
    expect(isRetrySafeTool({ annotations: {} })).toBe(false);
    expect(isRetrySafeTool({})).toBe(false);
  });
});
