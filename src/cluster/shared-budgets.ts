import type { SharedBudgets } from "../auth/budget.ts";
import { type RedisLink, redisScript } from "./redis-link.ts";

// Check and add in one step, so two replicas charging at once can never both pass the limit.
// Returns {1, total after} or {0, total before}; the key lives two days (the UTC day is in its name).
const CHARGE = redisScript(`
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local after = used + tonumber(ARGV[1])
if ARGV[2] ~= '' and after > tonumber(ARGV[2]) then
  return {0, tostring(used)}
end
redis.call('SET', KEYS[1], tostring(after), 'EX', 172800)
return {1, tostring(after)}
`);

/** Daily spending per principal in Redis (`<prefix>budget:<day>:<principal>`). */
export class RedisBudgets implements SharedBudgets {
  readonly #link: RedisLink;

  constructor(link: RedisLink) {
    this.#link = link;
  }

  async charge(
    day: string,
    principal: string,
    cost: number,
    limit: number | undefined,
  ): Promise<{ ok: true; used: number } | { ok: false; used: number } | undefined> {
    const reply = await this.#link.script(
      CHARGE,
      [`${this.#link.prefix}budget:${day}:${principal}`],
      [String(cost), limit === undefined ? "" : String(limit)],
    );
    if (!Array.isArray(reply) || reply.length !== 2) return undefined;
    const used = Number(reply[1]);
    if (!Number.isFinite(used)) return undefined;
    return { ok: reply[0] === 1, used };
  }
}
