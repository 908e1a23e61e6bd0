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
