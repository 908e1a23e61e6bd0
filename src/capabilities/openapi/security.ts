import { GatewayError } from "../../errors.ts";
import { type Json, SecurityScheme, type Spec } from "./spec.ts";

/** The capability `auth:` block for one operation, or why its security scheme cannot be mapped. */
export type SecurityMapping = { auth: Json | undefined } | { problem: string };

/**
 * Maps the operation's security requirement (else the spec's) to `auth:` with credential reference `key`:
 * API key in a header or query → `api_key`, HTTP basic → `basic`, any other HTTP/OAuth 2/OIDC → `bearer`.
 */
export function securityFor(spec: Spec, operation: Json, key: string): SecurityMapping {
  const requirements = (operation.security ?? spec.security) as Json[] | undefined;
  // No requirement, or an empty one among them (security optional): no auth.
  if (!requirements || requirements.length === 0) return { auth: undefined };
  if (requirements.some((r) => Object.keys(r).length === 0)) return { auth: undefined };
  const schemes = spec.components?.securitySchemes ?? spec.securityDefinitions ?? {};
  for (const requirement of requirements) {
    for (const schemeName of Object.keys(requirement)) {
      const parsed = SecurityScheme.safeParse(schemes[schemeName]);
      if (!parsed.success) continue;
      const auth = authFor(parsed.data, key);
      if (auth) return { auth };
    }
  }
  return { problem: "its security scheme (cookie API key?) cannot be mapped to auth" };
}

function authFor(s: SecurityScheme, key: string): Json | undefined {
  if (s.type === "apiKey" && s.in === "header" && s.name) return { type: "api_key", key, header: s.name };
  if (s.type === "apiKey" && s.in === "query" && s.name) return { type: "api_key", key, param: s.name };
  if ((s.type === "http" && s.scheme?.toLowerCase() === "basic") || s.type === "basic") {
    return { type: "basic", key };
  }
  if (s.type === "http" || s.type === "oauth2" || s.type === "openIdConnect") return { type: "bearer", key };
  return undefined;
}

/** How `--auth-type` sends the key: `bearer`, `basic`, `header:NAME` or `query:NAME`. */
export const AUTH_TYPES = "bearer|basic|header:NAME|query:NAME";

/**
 * The `auth:` block `--auth-type` gives every imported operation (in place of the spec's schemes).
 * @throws GatewayError USAGE for anything but {@link AUTH_TYPES}
 */
export function authOverride(type: string, key: string): Json {
  if (type === "bearer" || type === "basic") return { type, key };
  const colon = type.indexOf(":");
  const kind = type.slice(0, Math.max(colon, 0));
  const name = type.slice(colon + 1);
  // A header or parameter name is an HTTP token.
  if (colon > 0 && /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
    if (kind === "header") return { type: "api_key", key, header: name };
    if (kind === "query") return { type: "api_key", key, param: name };
  }
  throw new GatewayError("USAGE", `--auth-type ${type}: expected ${AUTH_TYPES} (e.g. header:X-Api-Key)`);
}

/** True when some operation (or the spec) asks for a credential, so `--auth-key` has a use. */
export function declaresSecurity(spec: Spec, operations: readonly Json[]): boolean {
  const nonEmpty = (requirements: unknown): boolean =>
    Array.isArray(requirements) && requirements.some((r) => Object.keys(r as object).length > 0);
  return operations.some((op) => nonEmpty(op.security ?? spec.security));
}
