import type { OAuthConfig } from "../config/schema.ts";

/** The claims of a verified access token (JWT payload or introspection answer) that the gateway reads. */
export type Claims = Readonly<Record<string, unknown>>;

/** The OAuth scopes a token carries: `scope` (space-separated, RFC 9068/7662) or `scp` (a list). */
export function tokenScopes(claims: Claims): string[] {
  const { scope, scp } = claims;
  if (typeof scope === "string") return scope.split(" ").filter(Boolean);
  if (Array.isArray(scp)) return scp.filter((s): s is string => typeof s === "string");
  if (typeof scp === "string") return scp.split(" ").filter(Boolean);
  return [];
}

function claimHas(value: unknown, wanted: string): boolean {
  if (Array.isArray(value)) return value.some((v) => v === wanted);
  if (typeof value === "string") return value.split(" ").includes(wanted);
  return false;
}

/**
 * The gateway scopes a token grants: each of its OAuth scopes mapped through `oauth.scopes`, plus
 * `profile:<name>` for every claim rule that matches. A token granting nothing may still connect, and sees
 * nothing.
 */
export function gatewayScopes(claims: Claims, config: Pick<OAuthConfig, "scopes" | "rules">): string[] {
  const granted = new Set<string>();
  for (const scope of tokenScopes(claims)) {
    for (const s of config.scopes[scope] ?? []) granted.add(s);
  }
  for (const rule of config.rules) {
    const value = claims[rule.claim];
    const match = rule.equals !== undefined ? value === rule.equals : claimHas(value, rule.contains ?? "");
    if (match) granted.add(`profile:${rule.profile}`);
  }
  return [...granted];
}

/** The required OAuth scopes a token lacks (empty when it may come in). */
export function missingScopes(claims: Claims, required: readonly string[]): string[] {
  const has = new Set(tokenScopes(claims));
  return required.filter((s) => !has.has(s));
}

/** A stable principal id for a token: its subject, else its client (client_credentials tokens). */
export function subjectOf(claims: Claims): string {
  const sub = claims.sub ?? claims.client_id;
  return `oauth:${typeof sub === "string" && sub !== "" ? sub : "unknown"}`;
}
