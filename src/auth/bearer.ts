import type { OAuthConfig } from "../config/schema.ts";
import type { Principal } from "../gateway/call-context.ts";
import { type Claims, gatewayScopes, missingScopes, subjectOf } from "./claims.ts";
import { TokenVerifier, type TokenVerifierOptions } from "./oauth.ts";
import { allows, compileAccess } from "./scopes.ts";

/** What a request's credential turned out to be. */
export type Authentication =
  | { ok: true; principal: Principal }
  /** No valid credential: 401 with `error="invalid_token"` (or no error when nothing was sent). */
  | { ok: false; error: "invalid_token"; description: string }
  /** A valid token lacking a required scope: 403 with `error="insufficient_scope"` naming them (step-up). */
  | { ok: false; error: "insufficient_scope"; description: string; scopes: string[] };

/**
 * OAuth access tokens as principals: the token checked for this gateway's audience (its canonical URL, or
 * the MCP endpoint asked for under it), its scopes and claims mapped to gateway scopes. One principal object
 * per token while it is valid, so what it may do is compiled once.
 */
export class BearerTokens {
  readonly #config: OAuthConfig;
  readonly #verifier: TokenVerifier;
  readonly #base: string;
  readonly #principals = new WeakMap<Claims, Principal>();

  constructor(config: OAuthConfig, options: TokenVerifierOptions = {}) {
    this.#config = config;
    this.#verifier = new TokenVerifier(config, options);
    this.#base = config.resource.replace(/\/+$/, "");
  }

  /** The canonical URL tokens are for (RFC 8707 resource), without a trailing slash. */
  get resource(): string {
    return this.#base;
  }

  get issuer(): string {
    return this.#config.issuer;
  }

  /** Scopes a token must carry (named in every challenge). */
  get requiredScopes(): readonly string[] {
    return this.#config.required_scopes;
  }

  /** The OAuth scopes the resource metadata lists. */
  get supportedScopes(): string[] {
    return [...new Set([...this.#config.required_scopes, ...Object.keys(this.#config.scopes)])];
  }

  /** The resource an endpoint of the gateway stands for: the base, or `/mcp`, `/mcp/<backend>` under it. */
  resourceOf(path: string): string {
    const endpoint = path === "/mcp" || path.startsWith("/mcp/") ? path.replace(/\/+$/, "") : "";
    return `${this.#base}${endpoint}`;
  }

  /** Checks a bearer token for the endpoint at `path` (its own resource or the gateway's base URL). */
  async authenticate(token: string, path: string): Promise<Authentication> {
    const audiences = [...new Set([this.#base, this.resourceOf(path)])];
    const check = await this.#verifier.check(token, audiences);
    if (!check.ok) return { ok: false, error: "invalid_token", description: check.reason };
    const missing = missingScopes(check.claims, this.#config.required_scopes);
    if (missing.length > 0) {
      return {
        ok: false,
        error: "insufficient_scope",
        description: `the token lacks the scope(s) ${missing.join(", ")}`,
        scopes: [...this.#config.required_scopes],
      };
    }
    let principal = this.#principals.get(check.claims);
    if (!principal) {
      principal = Object.freeze({
        id: subjectOf(check.claims),
        scopes: Object.freeze(gatewayScopes(check.claims, this.#config)),
        ...(this.#config.rate !== undefined ? { rate: this.#config.rate } : {}),
      });
      this.#principals.set(check.claims, principal);
    }
    return { ok: true, principal };
  }

  /**
   * The OAuth scopes of `oauth.scopes` that would let a token reach `server` (for a step-up challenge on
   * `/mcp/<server>`), given the configured profiles.
   */
  scopesReaching(server: string, profiles: Parameters<typeof compileAccess>[1]): string[] {
    return Object.entries(this.#config.scopes)
      .filter(([, granted]) => {
        const access = compileAccess(granted, profiles);
        return (["tool", "resource", "prompt"] as const).some((kind) =>
          allows(access, { server, kind, name: "*" }),
        );
      })
      .map(([scope]) => scope);
  }
}
