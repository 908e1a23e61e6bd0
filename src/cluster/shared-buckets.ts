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
 * Tokens a replica takes from the shared bucket at once: what the rate refills in half a lease, at most a
 * quarter of the burst, at least one. A 1/s or 100/s limit stays exact or nearly (1 and 2 tokens at a time);
 * only a high rate, where a round trip per call costs the most, is served mostly from the lease.
 */
export function leaseSize(limit: { requestsPerSecond: number; burst: number }): number {
  const byRate = Math.floor((limit.requestsPerSecond * LEASE_MS) / 2 / 1000);
  return Math.max(1, Math.min(byRate, Math.floor(limit.burst / 4)));
}

/**
 * Token buckets in Redis, one per key (`<prefix>rate:<key>`); undefined answers while Redis is away.
 * Takes a few tokens per round trip ({@link leaseSize}) and spends them locally for {@link LEASE_MS}: the
 * replicas together never take more than the shared bucket gives, and tokens a lease does not use in time
 * are dropped (a replica that stops calling holds none back for long).
 */
export class RedisBuckets implements SharedBuckets {
  readonly #link: RedisLink;
  readonly #now: () => number;
  readonly #leases = new Map<string, { tokens: number; until: number }>();

  /** @param options `now`: the clock leases expire on @default performance.now */
  constructor(link: RedisLink, options: { now?: () => number } = {}) {
    this.#link = link;
    this.#now = options.now ?? (() => performance.now());
  }

  async take(
    key: string,
    limit: { requestsPerSecond: number; burst: number },
  ): Promise<SharedTake | undefined> {
    const lease = this.#leases.get(key);
    if (lease && lease.tokens > 0 && this.#now() < lease.until) {
      lease.tokens--;
      return { ok: true };
    }
    const want = leaseSize(limit);
    const reply = await this.#link.script(
      TAKE,
      [`${this.#link.prefix}rate:${key}`],
      [String(limit.requestsPerSecond), String(limit.burst), String(want)],
    );
    if (!Array.isArray(reply) || reply.length !== 2) return undefined;
    const [taken, wait] = reply as [unknown, unknown];
    if (typeof taken === "number" && taken >= 1) {
      if (taken > 1) this.#leases.set(key, { tokens: taken - 1, until: this.#now() + LEASE_MS });
      else this.#leases.delete(key);
      return { ok: true };
    }
    return { ok: false, retryAfterMs: typeof wait === "number" ? wait : 1000 };
  }
}
