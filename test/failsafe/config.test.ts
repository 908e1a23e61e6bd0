import { describe, expect, test } from "bun:test";
import {
  defaultFailsafeConfig,
  FAILSAFE_DEFAULTS,
  FailsafeConfigSchema,
  FailsafeOverrideSchema,
  mergeFailsafe,
} from "../../src/failsafe/config.ts";

describe("FailsafeConfigSchema", () => {
  test("an empty section yields the documented defaults", () => {
    expect(FailsafeConfigSchema.parse({})).toEqual({
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
    });
    expect(defaultFailsafeConfig().circuit_breaker.reset_timeout).toBe(
      FAILSAFE_DEFAULTS.circuit_breaker.reset_timeout,
    );
  });

  test("durations accept units and plain seconds", () => {
    const config = FailsafeConfigSchema.parse({
      circuit_breaker: { reset_timeout: "1m" },
      retry: { initial_backoff: "250ms", max_backoff: 5 },
      concurrency: { queue_timeout: "0s" },
    });
    expect(config.circuit_breaker.reset_timeout).toBe(60_000);
    expect(config.retry.initial_backoff).toBe(250);
    expect(config.retry.max_backoff).toBe(5_000);
    expect(config.concurrency.queue_timeout).toBe(0);
    // Keys left out keep their defaults next to the ones given.
    expect(config.circuit_breaker.failure_threshold).toBe(5);
  });

  test("the seed documents' example config parses", () => {
    const config = FailsafeConfigSchema.parse({
      circuit_breaker: { enabled: true, failure_threshold: 5 },
      retry: { enabled: true, max_attempts: 3 },
    });
    expect(config.retry.max_attempts).toBe(3);
  });

  test.each([
    [{ circuit_breaker: { failure_treshold: 5 } }, "failure_treshold"],
    [{ retries: {} }, "retries"],
    [{ circuit_breaker: { failure_threshold: 0 } }, "failure_threshold"],
    [{ retry: { max_attempts: 2.5 } }, "max_attempts"],
    [{ retry: { initial_backoff: "soon" } }, "invalid duration"],
    [{ retry: { initial_backoff: "2s", max_backoff: "1s" } }, "must not be below initial_backoff"],
    [{ rate_limit: { requests_per_second: 0 } }, "requests_per_second"],
    [{ rate_limit: { burst: 0.5 } }, "burst"],
    [{ concurrency: { max_concurrent: 0 } }, "max_concurrent"],
  ])("rejects %p", (input, message) => {
    const result = FailsafeConfigSchema.safeParse(input);
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain(message);
  });
});

describe("FailsafeOverrideSchema and mergeFailsafe", () => {
  test("an override has no defaults of its own", () => {
    expect(FailsafeOverrideSchema.parse({})).toEqual({});
    expect(FailsafeOverrideSchema.parse({ retry: { max_attempts: 1 } })).toEqual({
      retry: { max_attempts: 1 },
    });
  });

  test("rejects unknown keys and bad values like the global section", () => {
    expect(FailsafeOverrideSchema.safeParse({ retry: { attempts: 1 } }).success).toBe(false);
    expect(FailsafeOverrideSchema.safeParse({ circuit_breaker: { reset_timeout: "later" } }).success).toBe(
      false,
    );
    expect(
      FailsafeOverrideSchema.safeParse({ retry: { initial_backoff: "1s", max_backoff: "1ms" } }).success,
    ).toBe(false);
  });

  test("merges key by key over the global settings", () => {
    const global = FailsafeConfigSchema.parse({ retry: { max_attempts: 4 }, rate_limit: { burst: 10 } });
    const override = FailsafeOverrideSchema.parse({
      retry: { enabled: false },
      rate_limit: { requests_per_second: 5 },
      circuit_breaker: { reset_timeout: "10s" },
    });
    const merged = mergeFailsafe(global, override);
    expect(merged.retry).toEqual({ ...global.retry, enabled: false });
    expect(merged.rate_limit).toEqual({ enabled: true, requests_per_second: 5, burst: 10 });
    expect(merged.circuit_breaker.reset_timeout).toBe(10_000);
    expect(merged.circuit_breaker.failure_threshold).toBe(5);
    expect(merged.concurrency).toEqual(global.concurrency);
    // The inputs stay untouched.
    expect(global.retry.enabled).toBe(true);
  });

  test("no override returns equal settings", () => {
    const global = defaultFailsafeConfig();
    expect(mergeFailsafe(global, undefined)).toEqual(global);
  });

  test("explicit undefined values in an override do not erase global ones", () => {
    const global = defaultFailsafeConfig();
    const merged = mergeFailsafe(global, { retry: { max_attempts: undefined } });
    expect(merged.retry.max_attempts).toBe(3);
  });

  test("a merge that breaks backoff order throws CONFIG_INVALID naming the backend", () => {
    const global = FailsafeConfigSchema.parse({ retry: { initial_backoff: "1s", max_backoff: "2s" } });
    const override = FailsafeOverrideSchema.parse({ retry: { max_backoff: "500ms" } });
    expect(() => mergeFailsafe(global, override, { backend: "github" })).toThrow(
      "backends.github.failsafe.retry: max_backoff (500ms) is below initial_backoff (1000ms)",
    );
  });
});
