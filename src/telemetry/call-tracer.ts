// What the gateway sees of tracing: the shapes a traced request takes, and what the loaded SDK answers.

type Result = Record<string, unknown>;

/** The parts of a client request a trace names (a `CallContext` is one). */
export interface TracedContext {
  session: { label: string };
  surface: { kind: string };
  requestId?: string | number | undefined;
}

/** The parts of a resolved backend request a trace names (a `BackendRequest` is one). */
export interface TracedRequest {
  backend: { name: string; transport: string };
  kind: string;
  /** The tool or prompt name, the resource URI, or the method. */
  name: string;
  /** The tool name for tools, the MCP method for everything else. */
  label: string;
}

/** Traces one request on its way through the gateway (loaded only when telemetry is on). */
export interface CallTracer {
  /**
   * Runs `route` (the gateway's own work) inside a SERVER span for the client's request, handing it a `send`
   * that runs each attempt at the backend inside a CLIENT span, with that span's `traceparent` on its HTTP.
   */
  trace<O>(
    ctx: TracedContext,
    request: TracedRequest,
    send: (options: O) => Promise<Result>,
    route: (send: (options: O) => Promise<Result>) => Promise<Result>,
  ): Promise<Result>;
}

/** What the loaded SDK gives back. */
export interface TelemetryRuntime {
  tracer: CallTracer | undefined;
  /** Exports what is pending now. */
  flush(): Promise<void>;
  /** Exports what is pending and stops. */
  shutdown(): Promise<void>;
}
