import { z } from "zod";
import { parseDuration } from "../duration.ts";
import { GatewayError } from "../errors.ts";

// The same rule as `Duration` in config/schema.ts. Importing that one would make a cycle once schema.ts
// imports this module, and the cycle breaks at load time (Duration used before it is initialised).
export const Duration = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const ms = parseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({ code: "custom", message: `invalid duration "${value}" (use e.g. 100ms, 30s, 5m, 1h)` });
    return z.NEVER;
  }
  return ms;
});

/** Defaults of the `failsafe:` section (durations in ms), from the product documents. */
export const FAILSAFE_DEFAULTS = {
  circuit_breaker: {
    enabled: true,
    failure_threshold: 5,
    success_threshold: 3,
    reset_timeout: 30_000,
    half_open_max_calls: 1,
  },
  retry: { enabled: true, max_attempts: 3, initial_backoff: 100, max_backoff: 10_000, multiplier: 2 },
  rate_limit: { enabled: true, requests_per_second: 100 },
  concurrency: { enabled: true, max_concurrent: 32, queue_timeout: 5_000 },
} as const;

// One definition per key; the global schema adds defaults, the per-backend one makes every key optional.
const circuitFields = {
  enabled: z.boolean().describe("Fail fast after repeated backend failures"),
  failure_threshold: z.number().int().min(1).max(1000).describe("Consecutive failures that open the circuit"),
  success_threshold: z.number().int().min(1).max(1000).describe("Probe successes that close it again"),
  reset_timeout: Duration.describe("How long the circuit stays open before a probe call"),
  half_open_max_calls: z.number().int().min(1).max(1000).describe("Probe calls in flight while half-open"),
};
const retryFields = {
  enabled: z.boolean().describe("Retry calls that are safe to repeat"),
  max_attempts: z.number().int().min(1).max(10).describe("Attempts in all, the first included"),
  initial_backoff: Duration.describe("Upper bound of the first (jittered) backoff"),
  max_backoff: Duration.describe("Longest backoff, and longest Retry-After hint honoured"),
  multiplier: z.number().min(1).max(10).describe("Backoff growth per attempt"),
};
const rateFields = {
  enabled: z.boolean().describe("Limit requests per second to each backend"),
  requests_per_second: z.number().positive().describe("Sustained requests per second (token bucket rate)"),
  burst: z
    .number()
    .min(1)
    .describe("Requests allowed at once after a quiet spell (default: requests_per_second)"),
};
const concurrencyFields = {
  enabled: z.boolean().describe("Limit calls in flight to each backend"),
  max_concurrent: z.number().int().min(1).max(100_000).describe("Calls in flight at once per backend"),
  queue_timeout: Duration.describe("How long a call waits for a free slot (0: reject at once)"),
};

function backoffOrder(retry: { initial_backoff?: number; max_backoff?: number }, ctx: z.RefinementCtx): void {
  if (retry.initial_backoff !== undefined && retry.max_backoff !== undefined) {
    if (retry.max_backoff < retry.initial_backoff) {
      ctx.addIssue({ code: "custom", path: ["max_backoff"], message: "must not be below initial_backoff" });
    }
  }
}

const D = FAILSAFE_DEFAULTS;
const CircuitBreakerConfig = z.strictObject({
  enabled: circuitFields.enabled.default(D.circuit_breaker.enabled),
  failure_threshold: circuitFields.failure_threshold.default(D.circuit_breaker.failure_threshold),
  success_threshold: circuitFields.success_threshold.default(D.circuit_breaker.success_threshold),
  reset_timeout: circuitFields.reset_timeout.default(D.circuit_breaker.reset_timeout),
  half_open_max_calls: circuitFields.half_open_max_calls.default(D.circuit_breaker.half_open_max_calls),
});
const RetryConfig = z
  .strictObject({
    enabled: retryFields.enabled.default(D.retry.enabled),
    max_attempts: retryFields.max_attempts.default(D.retry.max_attempts),
    initial_backoff: retryFields.initial_backoff.default(D.retry.initial_backoff),
    max_backoff: retryFields.max_backoff.default(D.retry.max_backoff),
    multiplier: retryFields.multiplier.default(D.retry.multiplier),
  })
  .superRefine(backoffOrder);
const RateLimitConfig = z.strictObject({
  enabled: rateFields.enabled.default(D.rate_limit.enabled),
  requests_per_second: rateFields.requests_per_second.default(D.rate_limit.requests_per_second),
  burst: rateFields.burst.optional(),
});
const ConcurrencyConfig = z.strictObject({
  enabled: concurrencyFields.enabled.default(D.concurrency.enabled),
  max_concurrent: concurrencyFields.max_concurrent.default(D.concurrency.max_concurrent),
  queue_timeout: concurrencyFields.queue_timeout.default(D.concurrency.queue_timeout),
});

/** The global `failsafe:` section: circuit breaker, retry, rate limit and concurrency limit per backend. */
export const FailsafeConfigSchema = z
  .strictObject({
    circuit_breaker: CircuitBreakerConfig.prefault({}).describe("Per-backend circuit breaker"),
    retry: RetryConfig.prefault({}).describe(
      "Retry with exponential backoff and full jitter, only when repeating is safe",
    ),
    rate_limit: RateLimitConfig.prefault({}).describe("Per-backend token bucket"),
    concurrency: ConcurrencyConfig.prefault({}).describe("Per-backend limit on calls in flight"),
  })
  .describe("Failsafes applied to every backend; see docs/failsafes.md");

/** `backends.<name>.failsafe:`: the same keys, all optional, overriding the global section. */
export const FailsafeOverrideSchema = z
  .strictObject({
    circuit_breaker: z.strictObject(circuitFields).partial().optional(),
    retry: z.strictObject(retryFields).partial().superRefine(backoffOrder).optional(),
    rate_limit: z.strictObject(rateFields).partial().optional(),
    concurrency: z.strictObject(concurrencyFields).partial().optional(),
  })
  .describe("Per-backend failsafe overrides (any key of the failsafe section)");

/** Validated failsafe settings, durations in ms. */
export type FailsafeConfig = z.output<typeof FailsafeConfigSchema>;
/** A validated per-backend override. */
export type FailsafeOverride = z.output<typeof FailsafeOverrideSchema>;

/** The settings in force when nothing is configured. */
export function defaultFailsafeConfig(): FailsafeConfig {
  return FailsafeConfigSchema.parse({}, { jitless: true });
}

/**
 * Applies a backend's override on top of the global settings, key by key.
 * @throws GatewayError CONFIG_INVALID when the merge breaks a cross-key rule (max_backoff below
 * initial_backoff), naming the backend
 */
export function mergeFailsafe(
  global: FailsafeConfig,
  override: FailsafeOverride | undefined,
  options: { backend?: string } = {},
): FailsafeConfig {
  const merged: FailsafeConfig = {
    circuit_breaker: { ...global.circuit_breaker, ...defined(override?.circuit_breaker) },
    retry: { ...global.retry, ...defined(override?.retry) },
    rate_limit: { ...global.rate_limit, ...defined(override?.rate_limit) },
    concurrency: { ...global.concurrency, ...defined(override?.concurrency) },
  };
  if (merged.retry.max_backoff < merged.retry.initial_backoff) {
    const where = options.backend ? `backends.${options.backend}.failsafe.retry` : "failsafe.retry";
    throw new GatewayError(
      "CONFIG_INVALID",
      `${where}: max_backoff (${merged.retry.max_backoff}ms) is below initial_backoff ` +
        `(${merged.retry.initial_backoff}ms) once the backend's override is applied; raise max_backoff`,
    );
  }
  return merged;
}

// `{ max_attempts: undefined }` must not erase the global value.
function defined<T extends object>(value: T | undefined): Partial<T> {
  if (!value) return {};
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
