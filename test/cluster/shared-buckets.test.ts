import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { RedisClient } from "bun";
import type { RedisConfig } from "../../src/cluster/config.ts";
import { RedisLink } from "../../src/cluster/redis-link.ts";
import { LEASE_MS, leaseSize, RedisBuckets } from "../../src/cluster/shared-buckets.ts";
import { MISSING, RedisServer } from "./harness.ts";

// Shared token buckets on a real redis-server: two replicas' buckets in one process, each on its own link.

test("a lease is half a lease's refill, at most a quarter of the burst, at least one token", () => {
  expect(leaseSize({ requestsPerSecond: 1, burst: 4 })).toBe(1);
  expect(leaseSize({ requestsPerSecond: 100, burst: 200 })).toBe(2);
  expect(leaseSize({ requestsPerSecond: 1000, burst: 8 })).toBe(2);
  expect(leaseSize({ requestsPerSecond: 1_000_000, burst: 1_000_000 })).toBe(25_000);
});

const describeCluster = MISSING ? describe.skip : describe;
const quiet = { warn() {}, info() {} };

describeCluster("RedisBuckets", () => {
  let redis: RedisServer;
  let probe: RedisClient;
  const links: RedisLink[] = [];

  beforeAll(async () => {
    redis = new RedisServer();
    await redis.start();
    probe = new RedisClient(redis.url);
  });
  afterAll(async () => {
    for (const link of links) link.close();
    probe?.close();
    await redis?.stop();
  });

  async function link(): Promise<RedisLink> {
    const config = {
      url: redis.url,
      key_prefix: `buckets-${process.pid}:`,
      command_timeout: 1000,
      connect_timeout: 2000,
      retry_interval: 200,
      session_ttl: 60_000,
    } satisfies RedisConfig;
    const made = new RedisLink(config, { log: quiet });
    links.push(made);
    await made.start();
    expect(made.up).toBe(true);
    return made;
  }

  /** Scripts redis has run so far (EVALSHA and EVAL). */
  async function scriptCalls(): Promise<number> {
    const info = String(await probe.send("INFO", ["commandstats"]));
    const calls = (name: string) => Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
    return calls("evalsha") + calls("eval");
  }

  test("leases double while they run out in time, up to the cap, and shrink to what was used", async () => {
    let now = 0;
    const buckets = new RedisBuckets(await link(), { now: () => now });
    // Leases of at most 25; a burst far above what the test spends (redis refills on its own clock).
    const limit = { requestsPerSecond: 1_000, burst: 100_000 };
    // Load the script first: the very first EVALSHA is refused (NOSCRIPT) and sent again as EVAL.
    await buckets.take("warm-up", { requestsPerSecond: 1, burst: 1 });
    const before = await scriptCalls();
    // 1 + 2 + 4 + 8 + 16 tokens: five round trips for 31 calls.
    for (let i = 0; i < 31; i++) expect(await buckets.take("lease", limit)).toEqual({ ok: true });
    expect((await scriptCalls()) - before).toBe(5);
    // The cap: 25 at a time from here, so 50 more calls are 2 round trips (the 32nd call starts a lease of 25).
    for (let i = 0; i < 50; i++) expect(await buckets.take("lease", limit)).toEqual({ ok: true });
    expect((await scriptCalls()) - before).toBe(7);
    // One call of a fresh lease of 25, then quiet past its expiry: the next lease is what was used, one token.
    expect(await buckets.take("lease", limit)).toEqual({ ok: true });
    expect((await scriptCalls()) - before).toBe(8);
    now += LEASE_MS + 1;
    expect(await buckets.take("lease", limit)).toEqual({ ok: true }); // a lease of 1: spent at once
    expect(await buckets.take("lease", limit)).toEqual({ ok: true }); // ran out in time: a lease of 2
    expect((await scriptCalls()) - before).toBe(10);
  });

  test("a busy bucket far below its limit is not drained by leases nobody spends", async () => {
    let now = 0;
    const buckets = new RedisBuckets(await link(), { now: () => now });
    // Leases of up to 100: a fixed lease that size per window would take 20,000 tokens for these 200 calls,
    // far past the burst of 1,000 and what refills while the test runs.
    const limit = { requestsPerSecond: 4_000, burst: 1_000 };
    for (let i = 0; i < 200; i++) {
      // One call per lease window: far below the limit, every call must pass.
      expect(await buckets.take("sparse", limit)).toEqual({ ok: true });
      now += LEASE_MS + 1;
    }
    const left = Number(await probe.send("HGET", [`buckets-${process.pid}:rate:sparse`, "tokens"]));
    // Each lease was one token: the bucket keeps most of its burst.
    expect(left).toBeGreaterThan(500);
  });

  test("two replicas together never take more than the shared bucket holds", async () => {
    const a = new RedisBuckets(await link());
    const b = new RedisBuckets(await link());
    // A slow refill (2/s) and a burst of 40: leases of 1, so what is granted is exactly the burst.
    const slow = { requestsPerSecond: 2, burst: 40 };
    let granted = 0;
    for (let i = 0; i < 60; i++) if ((await (i % 2 ? a : b).take("slow", slow))?.ok) granted++;
    expect(granted).toBeGreaterThanOrEqual(40);
    expect(granted).toBeLessThanOrEqual(41); // one token may refill during the loop

    // A fast one (4,000/s, burst 40: leases of 10): bounded by the burst plus what refilled meanwhile.
    const fast = { requestsPerSecond: 4_000, burst: 40 };
    let fastGranted = 0;
    const t0 = performance.now();
    for (let i = 0; i < 400; i++) if ((await (i % 2 ? a : b).take("fast", fast))?.ok) fastGranted++;
    const refilled = ((performance.now() - t0) / 1000) * fast.requestsPerSecond;
    expect(fastGranted).toBeLessThanOrEqual(Math.ceil(fast.burst + refilled));
    expect(fastGranted).toBeGreaterThan(0);
  });

  test("an empty bucket says how long until a token, as the local bucket does", async () => {
    const buckets = new RedisBuckets(await link());
    const tight = { requestsPerSecond: 1, burst: 1 };
    expect(await buckets.take("tight", tight)).toEqual({ ok: true });
    const refused = await buckets.take("tight", tight);
    expect(refused?.ok).toBe(false);
    expect(refused && !refused.ok ? refused.retryAfterMs : 0).toBeGreaterThan(0);
  });
});
