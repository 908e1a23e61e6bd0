import type { SharedBuckets, SharedTake } from "../failsafe/shared-state.ts";
import { type RedisLink, redisScript } from "./redis-link.ts";

// One token bucket per key, refilled on Redis's own clock (replicas' clocks never matter): the same
// arithmetic as failsafe/rate-limit.ts's TokenBucket, atomically. Returns {1, 0} or {0, ms until a token}.
const TAKE = redisScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
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
  tokens = tokens - 1
  ok = 1
else
  wait = math.ceil((1 - tokens) / rate * 1000)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return {ok, wait}
`);

/** Token buckets in Redis, one per key (`<prefix>rate:<key>`); undefined answers while Redis is away. */
export class RedisBuckets implements SharedBuckets {
  readonly #link: RedisLink;

  constructor(link: RedisLink) {
    this.#link = link;
  }

  async take(
    key: string,
    limit: { requestsPerSecond: number; burst: number },
  ): Promise<SharedTake | undefined> {
    const reply = await this.#link.script(
      TAKE,
      [`${this.#link.prefix}rate:${key}`],
      [String(limit.requestsPerSecond), String(limit.burst)],
    );
    if (!Array.isArray(reply) || reply.length !== 2) return undefined;
    const [ok, wait] = reply as [unknown, unknown];
    if (ok === 1) return { ok: true };
    return { ok: false, retryAfterMs: typeof wait === "number" ? wait : 1000 };
  }
}
