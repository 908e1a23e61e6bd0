import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import { isGatewayError } from "../errors.ts";
import type { CircuitState } from "../failsafe/circuit-breaker.ts";
import type { FailsafeEvent, RejectionReason } from "../failsafe/policy.ts";
import { type Counter, DEFAULT_BUCKETS, type Gauge, type Histogram, Registry } from "./registry.ts";

/** The `outcome` label of mcp_gateway_requests_total. */
export type RequestOutcome =
  | "success"
  /** The tool answered `isError: true`: a valid answer, counted apart. */
  | "tool_error"
  | "error"
  | "timeout"
  | "cancelled"
  | RejectionReason;

/** Options of {@link GatewayMetrics}. */
export interface GatewayMetricsOptions {
  /** Registry to define the metrics in. @default a new Registry */
  registry?: Registry;
  /** Distinct tool labels kept per backend; later tools are counted as "other". @default 200 */
  maxToolsPerBackend?: number;
  /** Latency histogram buckets in seconds. @default DEFAULT_BUCKETS (5ms to 10s) */
  buckets?: readonly number[];
}

const CIRCUIT_STATES: readonly CircuitState[] = ["closed", "half-open", "open"];

/** A tool name as the MCP spec (2025-11-25) asks for: 1–128 ASCII letters, digits, `_`, `-`, `.`. */
const TOOL_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

/** The label a tool is counted under once its backend has `maxToolsPerBackend` distinct tools. */
export const OTHER_TOOL = "other";

/**
 * The gateway's Prometheus metrics, with one method per thing that happens. Label cardinality is bounded:
 * backends come from the config, tools are capped per backend, outcomes and states are closed sets.
 */
export class GatewayMetrics {
  readonly registry: Registry;
  readonly maxToolsPerBackend: number;
  readonly #requests: Counter<"backend" | "tool" | "outcome">;
  readonly #duration: Histogram<"backend" | "tool">;
  readonly #circuitState: Gauge<"backend" | "state">;
  readonly #circuitTransitions: Counter<"backend" | "from" | "to">;
  readonly #rejections: Counter<"backend" | "reason">;
  readonly #retries: Counter<"backend">;
  readonly #restarts: Counter<"backend">;
  readonly #backendState: Gauge<"backend" | "state">;
  readonly #sessions: Gauge<never>;
  readonly #catalogTools: Gauge<"backend">;
  readonly #toolLabels = new Map<string, Set<string>>();
  readonly #restartsSeen = new Map<string, number>();
  readonly #lastBackendState = new Map<string, string>();

  /** @throws RangeError for a maxToolsPerBackend below 1 */
  constructor(options: GatewayMetricsOptions = {}) {
    this.registry = options.registry ?? new Registry();
    this.maxToolsPerBackend = options.maxToolsPerBackend ?? 200;
    if (!Number.isInteger(this.maxToolsPerBackend) || this.maxToolsPerBackend < 1) {
      throw new RangeError(
        `metrics: maxToolsPerBackend must be an integer >= 1, got ${this.maxToolsPerBackend}`,
      );
    }
    const r = this.registry;
    this.#requests = r.counter({
      name: "mcp_gateway_requests_total",
      help: "Requests relayed to backends (tool calls by tool, other requests by method), by outcome.",
      labelNames: ["backend", "tool", "outcome"],
    });
    this.#duration = r.histogram({
      name: "mcp_gateway_request_duration_seconds",
      help: "Time from receiving a request to answering it, failsafes included.",
      labelNames: ["backend", "tool"],
      buckets: options.buckets ?? DEFAULT_BUCKETS,
    });
    this.#circuitState = r.gauge({
      name: "mcp_gateway_circuit_state",
      help: "1 for the state each backend's circuit breaker is in, 0 for the others.",
      labelNames: ["backend", "state"],
    });
    this.#circuitTransitions = r.counter({
      name: "mcp_gateway_circuit_transitions_total",
      help: "Circuit breaker state changes.",
      labelNames: ["backend", "from", "to"],
    });
    this.#rejections = r.counter({
      name: "mcp_gateway_rejections_total",
      help: "Calls refused by a failsafe before reaching the backend (circuit open, rate or concurrency limit).",
      labelNames: ["backend", "reason"],
    });
    this.#retries = r.counter({
      name: "mcp_gateway_retries_total",
      help: "Tool call attempts repeated after a failure that was safe to retry.",
      labelNames: ["backend"],
    });
    this.#restarts = r.counter({
      name: "mcp_gateway_backend_restarts_total",
      help: "Backend (re)starts after the first one.",
      labelNames: ["backend"],
    });
    this.#backendState = r.gauge({
      name: "mcp_gateway_backend_state",
      help: "1 for the lifecycle state each backend is in, 0 for states it was in before.",
      labelNames: ["backend", "state"],
    });
    this.#sessions = r.gauge({ name: "mcp_gateway_active_sessions", help: "Open client sessions." });
    this.#catalogTools = r.gauge({
      name: "mcp_gateway_catalog_tools",
      help: "Tools each backend contributes to the catalog.",
      labelNames: ["backend"],
    });
  }

  /**
   * Counts one finished tool call and its latency under the tool's label (see {@link toolLabel}).
   * @returns that label
   */
  recordRequest(
    backend: string,
    tool: string,
    outcome: RequestOutcome,
    durationMs: number,
    options: { listed?: boolean } = {},
  ): string {
    const label = this.toolLabel(backend, tool, options);
    this.#requests.inc({ backend, tool: label, outcome });
    this.#duration.observe({ backend, tool: label }, Math.max(0, durationMs) / 1000);
    return label;
  }

  /**
   * The tool label used for `tool`: itself until the backend has `maxToolsPerBackend` labels, then "other".
   * `listed: true` (a tool the backend lists, or a method: bounded sets) is always itself. `listed: false`
   * (a name a client sent a direct session) is "other" also without a tool name's shape (the spec's 1–128
   * of `A-Za-z0-9_-.`): made-up names can neither be kept at any length nor push real tools out of the cap.
   */
  toolLabel(backend: string, tool: string, options: { listed?: boolean } = {}): string {
    let seen = this.#toolLabels.get(backend);
    if (!seen) {
      seen = new Set();
      this.#toolLabels.set(backend, seen);
    }
    if (seen.has(tool) || tool === OTHER_TOOL) return tool;
    if (options.listed !== true) {
      if (seen.size >= this.maxToolsPerBackend) return OTHER_TOOL;
      if (options.listed === false && !TOOL_NAME.test(tool)) return OTHER_TOOL;
    }
    seen.add(tool);
    return tool;
  }

  /** Sets a backend's circuit state gauge (all three states exported, one of them 1). */
  setCircuitState(backend: string, state: CircuitState): void {
    for (const s of CIRCUIT_STATES) this.#circuitState.set({ backend, state: s }, s === state ? 1 : 0);
  }

  circuitTransition(backend: string, from: CircuitState, to: CircuitState): void {
    this.#circuitTransitions.inc({ backend, from, to });
    this.setCircuitState(backend, to);
  }

  rejected(backend: string, reason: RejectionReason): void {
    this.#rejections.inc({ backend, reason });
  }

  retried(backend: string): void {
    this.#retries.inc({ backend });
  }

  backendRestarted(backend: string): void {
    this.#restarts.inc({ backend });
  }

  /**
   * Brings the restart counter up to a backend's own count (read at scrape time); it only moves forward, so
   * a backend replaced by a reload (its count back at 0) never lowers it.
   */
  setBackendRestarts(backend: string, restarts: number): void {
    const seen = this.#restartsSeen.get(backend) ?? 0;
    for (let i = seen; i < restarts; i++) this.#restarts.inc({ backend });
    this.#restartsSeen.set(backend, Math.max(seen, restarts));
  }

  /** Sets a backend's lifecycle state (configured, starting, running, sleeping, failed, …). */
  setBackendState(backend: string, state: string): void {
    const previous = this.#lastBackendState.get(backend);
    if (previous !== undefined && previous !== state) this.#backendState.set({ backend, state: previous }, 0);
    this.#backendState.set({ backend, state }, 1);
    this.#lastBackendState.set(backend, state);
  }

  setActiveSessions(count: number): void {
    this.#sessions.set(undefined, count);
  }

  setCatalogTools(backend: string, count: number): void {
    this.#catalogTools.set({ backend }, count);
  }

  /** A {@link FailsafePolicy} `onEvent` handler feeding these metrics. */
  failsafeListener(): (event: FailsafeEvent) => void {
    return (event) => {
      if (event.type === "circuit") this.circuitTransition(event.backend, event.from, event.to);
      else if (event.type === "rejected") this.rejected(event.backend, event.reason);
      else this.retried(event.backend);
    };
  }

  /** Forgets a backend removed by a config reload, so its series stop being exported. */
  removeBackend(backend: string): void {
    for (const metric of [
      this.#requests,
      this.#duration,
      this.#circuitState,
      this.#circuitTransitions,
      this.#rejections,
      this.#retries,
      this.#restarts,
      this.#backendState,
      this.#catalogTools,
    ]) {
      metric.removeMatching({ backend });
    }
    this.#toolLabels.delete(backend);
    this.#restartsSeen.delete(backend);
    this.#lastBackendState.delete(backend);
  }

  /** The exposition text for GET /metrics (serve with PROMETHEUS_CONTENT_TYPE). */
  render(): string {
    return this.registry.render();
  }
}

/**
 * The outcome label for a finished call: pass the result when it resolved, or the error when it threw (and
 * the caller's signal, so a cancellation is not counted as an error).
 */
export function requestOutcome(
  settled: { result: Record<string, unknown> } | { error: unknown },
  signal?: AbortSignal,
): RequestOutcome {
  if ("result" in settled) return settled.result.isError === true ? "tool_error" : "success";
  const { error } = settled;
  if (signal?.aborted) return "cancelled";
  if (isGatewayError(error, "CIRCUIT_OPEN")) return "circuit_open";
  if (isGatewayError(error, "RATE_LIMITED")) return "rate_limited";
  if (isGatewayError(error, "CONCURRENCY_LIMITED")) return "concurrency_limited";
  if (isGatewayError(error, "TIMEOUT")) return "timeout";
  if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) return "timeout";
  return "error";
}
