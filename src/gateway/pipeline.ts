import type { Backend, CallOptions } from "../backends/backend.ts";
import { sha256 } from "../digest.ts";
import { log } from "../log.ts";
import { OTHER_TOOL, requestOutcome } from "../metrics/gateway-metrics.ts";
import type { CallContext } from "./call-context.ts";
import type { GatewayCore } from "./core.ts";
import type { AuditRecord, GatewayHooks, RequestKind } from "./hooks.ts";

/** A raw result as the backend sent it. */
export type Result = Record<string, unknown>;

/** One request resolved to the backend that will answer it. */
export interface BackendRequest {
  backend: Backend;
  kind: RequestKind;
  /** What is called: the tool's own name, the prompt's, the resource URI, or the method. */
  name: string;
  /** The metrics/usage label: the tool name for tools, the MCP method for everything else (bounded). */
  label: string;
  /** True when running it twice is harmless (read-only or idempotent tools, reads). */
  retrySafe: boolean;
}

const sessionLabels = new Map<string, string>();

/** A short, stable, non-reversible label of a session id for logs (the id itself is a credential). */
export function sessionLabel(id: string): string {
  let label = sessionLabels.get(id);
  if (!label) {
    label = sha256(id, "hex").slice(0, 8);
    if (sessionLabels.size > 10_000) sessionLabels.clear();
    sessionLabels.set(id, label);
  }
  return label;
}

/**
 * Forgets a closed session's label: the cache is for the requests of live sessions, and closed ones
 * (thousands after a fuzz run, each id 32 characters) would otherwise stay until it fills.
 */
export function forgetSessionLabel(id: string): void {
  sessionLabels.delete(id);
}

/** Session ids with a cached label (for tests). */
export function cachedSessionLabels(): number {
  return sessionLabels.size;
}

/**
 * The one route every request to a backend takes, in this order: access check → session tracking (so the
 * backend's own requests during the call reach this client) → failsafes (breaker, rate, concurrency, retry;
 * a cold backend starts inside the attempt, under the breaker) → the backend → metrics, usage, one log line
 * (never argument values) and the audit hook → the firewall's credential redaction of a tool's result.
 */
export function runOnBackend(
  core: GatewayCore,
  hooks: GatewayHooks,
  ctx: CallContext,
  request: BackendRequest,
  send: (options: CallOptions) => Promise<Result>,
): Promise<Result> {
  const call = { core, hooks, ctx, request };
  // With OpenTelemetry on, the route runs in a span for the request and each backend attempt in its own.
  const tracer = core.telemetry.tracer;
  if (!tracer) return route(call, send);
  return tracer.trace(ctx, request, send, (traced) => route(call, traced));
}

async function route(
  call: { core: GatewayCore; hooks: GatewayHooks; ctx: CallContext; request: BackendRequest },
  send: (options: CallOptions) => Promise<Result>,
): Promise<Result> {
  const { core, hooks, ctx, request } = call;
  const { backend, kind, name, label } = request;
  const audit = (
    outcome: AuditRecord["outcome"],
    time: number,
    durationMs: number,
    result?: Result,
  ): void => {
    if (!hooks.audit) return;
    let bytes: number | undefined;
    hooks.audit({
      time,
      principal: ctx.principal.id,
      session: ctx.session.label,
      server: backend.name,
      kind,
      name,
      outcome,
      durationMs,
      // The size costs a serialization: only when the hook reads it (an audit log is kept).
      get bytes() {
        bytes ??= result === undefined ? 0 : Buffer.byteLength(JSON.stringify(result));
        return bytes;
      },
    });
  };
  if (hooks.access) {
    const readOnly =
      kind === "tool" && core.catalog.find(backend.name, name)?.tool.annotations?.readOnlyHint === true;
    try {
      await hooks.access(ctx, { server: backend.name, kind, name, readOnly });
    } catch (error) {
      audit("denied", Date.now(), 0);
      throw error;
    }
  }
  const time = Date.now();
  const started = core.now();
  const finish = (settled: { result: Result } | { error: unknown }): void => {
    const ms = core.now() - started;
    const outcome = requestOutcome(settled, ctx.signal);
    // A task's follow-ups (tasks/get, result, cancel) run as the tool's requests but are not calls of it.
    const toolCall = kind === "tool" && label === name;
    // A direct session relays any tool name. One its backend does not list is counted under its own name
    // only while it looks like a tool name and the label cap has room, else as "other": names a client makes
    // up (up to max_body_size long, as many as it likes) are then kept nowhere (labels, usage, log fields).
    const listed = !toolCall || core.catalog.find(backend.name, name) !== undefined;
    const counted = core.metrics.recordRequest(backend.name, label, outcome, ms, { listed });
    if (toolCall && counted !== OTHER_TOOL) {
      core.usage.record(backend.name, name, { durationMs: ms, error: outcome !== "success" });
    }
    const principal = ctx.principal.id;
    core.cluster?.counters?.count({
      server: backend.name,
      label: counted,
      principal,
      outcome,
      durationMs: ms,
    });
    if (log.level >= 3) {
      log.info(`${kind} ${backend.name}/${counted} ${outcome} ${ms}ms`, {
        backend: backend.name,
        [kind === "tool" ? "tool" : "method"]: counted,
        outcome,
        duration_ms: ms,
        session: ctx.session.label,
        principal: ctx.principal.id,
      });
    }
    audit(outcome, time, ms, "result" in settled ? settled.result : undefined);
  };
  const options = (signal: AbortSignal | undefined): CallOptions => ({
    signal: signal ?? ctx.signal,
    ...(ctx.onProgress ? { onProgress: ctx.onProgress } : {}),
  });
  try {
    const result = await core.hub.track(
      backend.name,
      { session: ctx.session, requestId: ctx.requestId },
      () =>
        core.policy(backend.name).run((signal) => send(options(signal)), {
          retrySafe: request.retrySafe,
          signal: ctx.signal,
          deadline: core.deadline(backend.name),
        }),
    );
    finish({ result });
    return kind === "tool" ? core.firewall.filterResult(backend.name, name, result) : result;
  } catch (error) {
    finish({ error });
    throw error;
  }
}

/**
 * Starts a backend that is not running, through its breaker (so a backend that keeps failing to start is
 * refused fast), for requests that need its lists before they can be routed.
 */
export async function startThroughBreaker(
  core: GatewayCore,
  backend: Backend,
  signal: AbortSignal | undefined,
): Promise<void> {
  if (backend.snapshot().status === "running") return;
  await core.policy(backend.name).run(() => backend.start(), { retrySafe: true, signal });
}
