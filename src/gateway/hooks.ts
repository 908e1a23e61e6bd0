import type { RequestOutcome } from "../metrics/gateway-metrics.ts";
import type { CallContext, Principal } from "./call-context.ts";

/** What a request does on a backend, for access checks, audit and logs. */
export type RequestKind = "tool" | "resource" | "prompt" | "completion" | "subscription";

/** What an access check is asked about: one request on one backend. */
export interface AccessTarget {
  server: string;
  kind: RequestKind;
  /**
   * The tool or prompt name, the resource URI, or the method; `*` asks whether anything of this kind on
   * the server is visible (lists of servers, `/mcp/{backend}`).
   */
  name: string;
  /** For tools: true when the catalog lists it with `readOnlyHint: true`. */
  readOnly?: boolean | undefined;
}

/** One finished (or refused) request, for an audit trail (never argument values or results). */
export interface AuditRecord {
  /** When it started, ms since the epoch. */
  time: number;
  principal: string;
  /** The session's short hash (`sessionLabel`), never its id. */
  session: string;
  server: string;
  kind: RequestKind;
  name: string;
  /** How it ended; `denied` when the access hook refused it (profile, rate, budget, session limit). */
  outcome: RequestOutcome | "denied";
  durationMs: number;
  /** Size of the result as JSON, bytes (0 for a failure). */
  bytes: number;
}

/** The places where policy plugs into the one request path. */
export interface GatewayHooks {
  /**
   * Decides whether the caller may make this request; throws `GatewayError("ACCESS_DENIED")` to refuse.
   * @default every request is allowed
   */
  access?: ((ctx: CallContext, target: AccessTarget) => void | Promise<void>) | undefined;
  /** Receives every finished request; must not throw. @default nothing is recorded */
  audit?: ((record: AuditRecord) => void) | undefined;
  /**
   * Filters what a caller may see in lists and search (tools of servers it may not use stay hidden).
   * @default everything is visible
   */
  visible?: ((principal: Principal, target: AccessTarget) => boolean) | undefined;
  /**
   * True when this caller sees less than everything: its errors then name nothing outside what it may see
   * (no did-you-mean, no list of servers). @default false
   */
  restricts?: ((principal: Principal) => boolean) | undefined;
}
