import { describe, expect, test } from "bun:test";
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import {
  BackendUnavailableError,
  ConnectionEpochs,
  ConnectionLostError,
} from "../../src/backends/connection-failure.ts";
import { GatewayError } from "../../src/errors.ts";
import { classifyFailure, failureSourceOf, isRetrySafeTool, isTimeout } from "../../src/failsafe/classify.ts";
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

describe("isTimeout", () => {
  test("a TIMEOUT or an SDK request timeout, also as the cause of a start failure", () => {
    expect(isTimeout(new GatewayError("TIMEOUT", "slow"))).toBe(true);
    expect(isTimeout(new McpError(ErrorCode.RequestTimeout, "Request timed out"))).toBe(true);
    const hungStart = new GatewayError("BACKEND_UNAVAILABLE", "did not start", {
      cause: new McpError(ErrorCode.RequestTimeout, "Request timed out"),
    });
    expect(isTimeout(hungStart)).toBe(true);
  });

  test("other failures are not timeouts", () => {
    expect(isTimeout(new GatewayError("BACKEND_UNAVAILABLE", "spawn ENOENT"))).toBe(false);
    expect(isTimeout(new McpError(ErrorCode.ConnectionClosed, "Connection closed"))).toBe(false);
    expect(isTimeout("timeout")).toBe(false);
    expect(isTimeout(undefined)).toBe(false);
  });
});

describe("failureSourceOf", () => {
  test("errors of one connection share a source; a later connection is another", () => {
    const epochs = new ConnectionEpochs();
    const first = epochs.current;
    const a = failureSourceOf(new ConnectionLostError("lost", first));
    const b = failureSourceOf(
      new GatewayError("TIMEOUT", "wrapped", { cause: new ConnectionLostError("lost", first) }),
    );
    expect(a?.key).toBe(first.connection);
    expect(b?.key).toBe(first.connection);
    epochs.begin();
    expect(failureSourceOf(new BackendUnavailableError("no start", epochs.current))?.key).not.toBe(
      first.connection,
    );
    expect(failureSourceOf(new Error("other"))).toBeUndefined();
  });

  test("a connection loss is maybe-reached and a failed start not-reached, as before", () => {
    const { current } = new ConnectionEpochs();
    expect(classifyFailure(new ConnectionLostError("lost", current))).toBe("maybe-reached");
    expect(classifyFailure(new BackendUnavailableError("no start", current))).toBe("not-reached");
  });

  test("a failure's source recovers when a later connection comes up, not before", async () => {
    const epochs = new ConnectionEpochs();
    const seen: string[] = [];
    epochs.begin();
    void epochs.current.restored.then(() => seen.push("failed start"));
    epochs.begin();
    await Promise.resolve();
    expect(seen).toEqual([]);
    epochs.up();
    await Promise.resolve();
    expect(seen).toEqual(["failed start"]);
    // The connection now up is restored only by a later one (after it is lost).
    void epochs.current.restored.then(() => seen.push("lost connection"));
    epochs.begin();
    await Promise.resolve();
    expect(seen).toEqual(["failed start"]);
    epochs.up();
    await Promise.resolve();
    expect(seen).toEqual(["failed start", "lost connection"]);
  });
});
