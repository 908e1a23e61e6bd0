import type { ProfileConfig, SessionLimits } from "../config/schema.ts";
import { GatewayError } from "../errors.ts";
import type { Principal } from "../gateway/call-context.ts";
import type { SessionPeer } from "../gateway/session-hub.ts";

/** The strictest of the gateway-wide limits and those of every profile the principal's scopes name. */
export function limitsOf(
  principal: Principal,
  global: SessionLimits | undefined,
  profiles: Readonly<Record<string, ProfileConfig>>,
): SessionLimits {
  const all = [
    global,
    ...(principal.scopes ?? []).map((s) => profiles[s.slice("profile:".length)]?.sessions),
  ];
  const min = (values: (number | undefined)[]): number | undefined => {
    const set = values.filter((v): v is number => v !== undefined);
    return set.length > 0 ? Math.min(...set) : undefined;
  };
  const scoped = all.filter((l): l is SessionLimits => l !== undefined);
  const maxCalls = min(scoped.map((l) => l.max_calls));
  const maxDuration = min(scoped.map((l) => l.max_duration));
  return {
    ...(maxCalls !== undefined ? { max_calls: maxCalls } : {}),
    ...(maxDuration !== undefined ? { max_duration: maxDuration } : {}),
  };
}

/**
 * Session sandboxing: how many tool calls a session has made and when it made its first request, per session
 * (forgotten with the session object), against max_calls and max_duration.
 */
export class SessionSandbox {
  readonly #seen = new WeakMap<SessionPeer, { calls: number; started: number }>();
  readonly #now: () => number;

  /** @param now wall clock, ms. @default Date.now */
  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /**
   * Counts one request of `session` (tool calls count towards max_calls; every request starts the clock).
   * @throws GatewayError ACCESS_DENIED when the session is past a limit
   */
  check(session: SessionPeer, limits: SessionLimits, isCall: boolean): void {
    if (limits.max_calls === undefined && limits.max_duration === undefined) return;
    const now = this.#now();
    let entry = this.#seen.get(session);
    if (!entry) {
      entry = { calls: 0, started: now };
      this.#seen.set(session, entry);
    }
    if (limits.max_duration !== undefined && now - entry.started > limits.max_duration) {
      throw new GatewayError(
        "ACCESS_DENIED",
        `this session is older than its limit of ${Math.round(limits.max_duration / 1000)} s; start a new session`,
      );
    }
    if (!isCall) return;
    if (limits.max_calls !== undefined && entry.calls >= limits.max_calls) {
      throw new GatewayError(
        "ACCESS_DENIED",
        `this session has made its ${limits.max_calls} call(s); start a new session`,
      );
    }
    entry.calls++;
  }
}
