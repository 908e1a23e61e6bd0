import type { SharedBuckets, SharedTake } from "../failsafe/shared-state.ts";
import { type RedisLink, redisScript } from "./redis-link.ts";

// One token bucket per key, refilled on Redis's own clock (replicas' clocks never matter): the same
// arithmetic as failsafe/rate-limit.ts's TokenBucket, atomically. Takes up to ARGV[3] whole tokens (at
// least one, or none) and returns {tokens taken, 0} or {0, ms until a token}.
const TAKE = redisScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local want = tonumber(ARGV[3]) or 1
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = burst
  at = now
end
tokens = math.min(burst, tokens + math.max(0, now - at) / 1000 * rate)
local ok = 0
local wait = 0
if tokens >= 1 then
  ok = math.min(want, math.floor(tokens))
  tokens = tokens - ok
else
  wait = math.ceil((1 - tokens) / rate * 1000)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return {ok, wait}
`);

/** How long tokens taken ahead stay usable on the replica that took them. */
export const LEASE_MS = 50;

/**
 * The most tokens a replica takes from the shared bucket at once: what the rate refills in half a lease, at
 * most a quarter of the burst, at least one. A 1/s or 100/s limit stays exact or nearly (1 and 2 tokens at a time);
 * only a high rate, where a round trip per call costs the most, is served mostly from the lease.
 */
export function leaseSize(limit: { requestsPerSecond: number; burst: number }): number {
  const byRate = Math.floor((limit.requestsPerSecond * LEASE_MS) / 2 / 1000);
  return Math.max(1, Math.min(byRate, Math.floor(limit.burst / 4)));
}

/**
 * Token buckets in Redis, one per key (`<prefix>rate:<key>`); undefined answers while Redis is away.
 * Takes tokens ahead, in leases spent locally within {@link LEASE_MS}, so a busy replica does not pay a round
 * trip per call: the replicas together never take more than the shared bucket gives. Tokens a lease does not
 * use in time are dropped, so a lease follows what the replica really spends: it starts at one token, doubles
 * while leases run out in time (up to {@link leaseSize}), and shrinks to what was used when one expires — a
 * big fixed lease would drain the bucket with tokens nobody called for.
 */
export class RedisBuckets implements SharedBuckets {
  readonly #link: RedisLink;
  readonly #now: () => number;
  readonly #leases = new Map<string, { tokens: number; until: number; size: number }>();

  /** @param options `now`: the clock leases expire on @default performance.now */
  constructor(link: RedisLink, options: { now?: () => number } = {}) {
    this.#link = link;
    this.#now = options.now ?? (() => performance.now());
  }

  async take(
    key: string,
    limit: { requestsPerSecond: number; burst: number },
  ): Promise<SharedTake | undefined> {
    const now = this.#now();
    const lease = this.#leases.get(key);
    if (lease && lease.tokens > 0 && now < lease.until) {
      lease.tokens--;
      return { ok: true };
    }
    let size = 1;
    if (lease) {
      // Ran out in time: take more next time; expired: take what was used.
      size = now < lease.until ? lease.size * 2 : lease.size - lease.tokens;
    }
    size = Math.max(1, Math.min(size, leaseSize(limit)));
    const reply = await this.#link.script(
      TAKE,
      [`${this.#link.prefix}rate:${key}`],
      [String(limit.requestsPerSecond), String(limit.burst), String(size)],
    );
    if (!Array.isArray(reply) || reply.length !== 2) return undefined;
    const [taken, wait] = reply as [unknown, unknown];
    if (typeof taken === "number" && taken >= 1) {
      this.#leases.set(key, { tokens: taken - 1, until: this.#now() + LEASE_MS, size });
      return { ok: true };
    }
    this.#leases.delete(key);
    return { ok: false, retryAfterMs: typeof wait === "number" ? wait : 1000 };
  }
}
