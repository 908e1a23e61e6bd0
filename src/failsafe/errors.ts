import { GatewayError } from "../errors.ts";

/** Fail-fast rejection while a backend's circuit is open (or its half-open probe slots are taken). */
export class CircuitOpenError extends GatewayError {
  readonly backend: string;
  /** When the breaker lets a probe through (ms since epoch). */
  readonly retryAt: number;
  /** How long until then, from the moment of the rejection. */
  readonly retryAfterMs: number;

  constructor(backend: string, message: string, data: { retryAt: number; retryAfterMs: number }) {
    super("CIRCUIT_OPEN", message);
    this.backend = backend;
    this.retryAt = data.retryAt;
    this.retryAfterMs = data.retryAfterMs;
  }
}

/** A backend's request rate is over its limit; a token is free again after `retryAfterMs`. */
export class RateLimitedError extends GatewayError {
  readonly backend: string;
  readonly retryAfterMs: number;

  constructor(backend: string, message: string, data: { retryAfterMs: number }) {
    super("RATE_LIMITED", message);
    this.backend = backend;
    this.retryAfterMs = data.retryAfterMs;
  }
}

/** Too many calls already in flight to a backend, and none finished within the queue wait. */
export class ConcurrencyLimitedError extends GatewayError {
  readonly backend: string;
  readonly maxConcurrent: number;
  readonly queueTimeoutMs: number;

  constructor(backend: string, message: string, data: { maxConcurrent: number; queueTimeoutMs: number }) {
    super("CONCURRENCY_LIMITED", message);
    this.backend = backend;
    this.maxConcurrent = data.maxConcurrent;
    this.queueTimeoutMs = data.queueTimeoutMs;
  }
}

/** Human wait: `850ms`, `2s`, `1m 30s`. Rounds up so "retry in" never undersells the wait. */
export function formatWait(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.ceil(ms))}ms`;
  const seconds = Math.ceil(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  return rest === 0 ? `${minutes}m` : `${minutes}m ${rest}s`;
}
