import { describe, expect, test } from "bun:test";
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import { GatewayError } from "../../src/errors.ts";
import { defaultFailsafeConfig } from "../../src/failsafe/config.ts";
import { CircuitOpenError, RateLimitedError } from "../../src/failsafe/errors.ts";
import { FailsafePolicy } from "../../src/failsafe/policy.ts";
import { GatewayMetrics, OTHER_TOOL, requestOutcome } from "../../src/metrics/gateway-metrics.ts";
import { parseExposition, sampleValue } from "./parse.ts";

function scrape(metrics: GatewayMetrics) {
  return parseExposition(metrics.render());
}

describe("GatewayMetrics", () => {
  test("declares every gateway metric with its type", () => {
    const { types } = scrape(new GatewayMetrics());
    expect(Object.fromEntries(types)).toEqual({
      mcp_gateway_requests_total: "counter",
      mcp_gateway_request_duration_seconds: "histogram",
      mcp_gateway_circuit_state: "gauge",
      mcp_gateway_circuit_transitions_total: "counter",
      mcp_gateway_rejections_total: "counter",
      mcp_gateway_retries_total: "counter",
      mcp_gateway_backend_restarts_total: "counter",
      mcp_gateway_backend_state: "gauge",
      mcp_gateway_active_sessions: "gauge",
      mcp_gateway_catalog_tools: "gauge",
    });
  });

  test("counts requests by outcome and observes latency in seconds", () => {
    const metrics = new GatewayMetrics();
    metrics.recordRequest("everything", "echo", "success", 20);
    metrics.recordRequest("everything", "echo", "success", 300);
    metrics.recordRequest("everything", "echo", "tool_error", 5);
    const { samples } = scrape(metrics);
    const labels = { backend: "everything", tool: "echo" };
    expect(sampleValue(samples, "mcp_gateway_requests_total", { ...labels, outcome: "success" })).toBe(2);
    expect(sampleValue(samples, "mcp_gateway_requests_total", { ...labels, outcome: "tool_error" })).toBe(1);
    expect(sampleValue(samples, "mcp_gateway_request_duration_seconds_count", labels)).toBe(3);
    expect(sampleValue(samples, "mcp_gateway_request_duration_seconds_sum", labels)).toBeCloseTo(0.325, 10);
    expect(
      sampleValue(samples, "mcp_gateway_request_duration_seconds_bucket", { ...labels, le: "0.025" }),
    ).toBe(2);
    expect(
      sampleValue(samples, "mcp_gateway_request_duration_seconds_bucket", { ...labels, le: "+Inf" }),
    ).toBe(3);
  });

  test("caps distinct tool labels per backend, then counts the rest as other", () => {
    const metrics = new GatewayMetrics({ maxToolsPerBackend: 2 });
    for (const tool of ["a", "b", "c", "d", "a"]) metrics.recordRequest("x", tool, "success", 1);
    metrics.recordRequest("y", "c", "success", 1);
    const { samples } = scrape(metrics);
    const count = (backend: string, tool: string) =>
      sampleValue(samples, "mcp_gateway_requests_total", { backend, tool, outcome: "success" });
    expect(count("x", "a")).toBe(2);
    expect(count("x", "b")).toBe(1);
    expect(count("x", OTHER_TOOL)).toBe(2);
    expect(count("x", "c")).toBeUndefined();
    // The cap is per backend.
    expect(count("y", "c")).toBe(1);
  });

  test("circuit state is one-hot and transitions are counted", () => {
    const metrics = new GatewayMetrics();
    metrics.setCircuitState("gh", "closed");
    metrics.circuitTransition("gh", "closed", "open");
    const { samples } = scrape(metrics);
    expect(sampleValue(samples, "mcp_gateway_circuit_state", { backend: "gh", state: "open" })).toBe(1);
    expect(sampleValue(samples, "mcp_gateway_circuit_state", { backend: "gh", state: "closed" })).toBe(0);
    expect(sampleValue(samples, "mcp_gateway_circuit_state", { backend: "gh", state: "half-open" })).toBe(0);
    expect(
      sampleValue(samples, "mcp_gateway_circuit_transitions_total", {
        backend: "gh",
        from: "closed",
        to: "open",
      }),
    ).toBe(1);
  });

  test("backend state keeps exactly one state at 1", () => {
    const metrics = new GatewayMetrics();
    metrics.setBackendState("fs", "starting");
    metrics.setBackendState("fs", "running");
    metrics.setBackendState("fs", "sleeping");
    const { samples } = scrape(metrics);
    const states = samples.filter((s) => s.name === "mcp_gateway_backend_state");
    expect(states.filter((s) => s.value === 1).map((s) => s.labels.state)).toEqual(["sleeping"]);
    expect(states).toHaveLength(3);
  });

  test("restarts, sessions and catalog size", () => {
    const metrics = new GatewayMetrics();
    metrics.backendRestarted("fs");
    metrics.backendRestarted("fs");
    metrics.setActiveSessions(4);
    metrics.setCatalogTools("fs", 14);
    const { samples } = scrape(metrics);
    expect(sampleValue(samples, "mcp_gateway_backend_restarts_total", { backend: "fs" })).toBe(2);
    expect(sampleValue(samples, "mcp_gateway_active_sessions")).toBe(4);
    expect(sampleValue(samples, "mcp_gateway_catalog_tools", { backend: "fs" })).toBe(14);
  });

  test("failsafeListener counts what a FailsafePolicy does", async () => {
    const metrics = new GatewayMetrics();
    const base = defaultFailsafeConfig();
    const policy = new FailsafePolicy(
      "gh",
      { ...base, circuit_breaker: { ...base.circuit_breaker, failure_threshold: 2 } },
      { sleep: async () => undefined, onEvent: metrics.failsafeListener() },
    );
    const down = async () => {
      throw new GatewayError("BACKEND_UNAVAILABLE", "down");
    };
    await policy.run(down, { retrySafe: false }).catch(() => undefined);
    await policy.run(down, { retrySafe: false }).catch(() => undefined);
    const { samples } = scrape(metrics);
    expect(sampleValue(samples, "mcp_gateway_retries_total", { backend: "gh" })).toBe(1);
    expect(sampleValue(samples, "mcp_gateway_circuit_transitions_total", { backend: "gh", to: "open" })).toBe(
      1,
    );
    expect(
      sampleValue(samples, "mcp_gateway_rejections_total", { backend: "gh", reason: "circuit_open" }),
    ).toBe(1);
    expect(sampleValue(samples, "mcp_gateway_circuit_state", { backend: "gh", state: "open" })).toBe(1);
  });

  test("removeBackend stops exporting a removed backend's series", () => {
    const metrics = new GatewayMetrics();
    metrics.recordRequest("old", "t", "success", 1);
    metrics.setBackendState("old", "running");
    metrics.setCatalogTools("old", 3);
    metrics.recordRequest("kept", "t", "success", 1);
    metrics.removeBackend("old");
    const { samples } = scrape(metrics);
    expect(samples.filter((s) => s.labels.backend === "old")).toEqual([]);
    expect(samples.some((s) => s.labels.backend === "kept")).toBe(true);
  });

  test("rejects a tool cap below 1", () => {
    expect(() => new GatewayMetrics({ maxToolsPerBackend: 0 })).toThrow(RangeError);
  });
});

describe("requestOutcome", () => {
  test("results: isError is a tool_error, anything else a success", () => {
    expect(requestOutcome({ result: { content: [] } })).toBe("success");
    expect(requestOutcome({ result: { isError: true, content: [] } })).toBe("tool_error");
  });

  test("errors map to their outcome", () => {
    expect(requestOutcome({ error: new CircuitOpenError("b", "m", { retryAt: 0, retryAfterMs: 0 }) })).toBe(
      "circuit_open",
    );
    expect(requestOutcome({ error: new RateLimitedError("b", "m", { retryAfterMs: 1 }) })).toBe(
      "rate_limited",
    );
    expect(requestOutcome({ error: new GatewayError("CONCURRENCY_LIMITED", "m") })).toBe(
      "concurrency_limited",
    );
    expect(requestOutcome({ error: new GatewayError("TIMEOUT", "m") })).toBe("timeout");
    expect(requestOutcome({ error: new McpError(ErrorCode.RequestTimeout, "m") })).toBe("timeout");
    expect(requestOutcome({ error: new Error("crash") })).toBe("error");
    expect(requestOutcome({ error: new Error("crash") }, AbortSignal.abort())).toBe("cancelled");
  });
});
