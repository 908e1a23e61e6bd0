import { createRemoteJWKSet, customFetch, errors, type JWTVerifyGetKey, jwtVerify } from "jose";
import { z } from "zod";
import type { OAuthConfig } from "../config/schema.ts";
import { sha256 } from "../digest.ts";
import { errorMessage } from "../errors.ts";
import { log } from "../log.ts";
import type { Claims } from "./claims.ts";
import { fetchJson, readCapped } from "./fetch-json.ts";

/** A token checked against one set of audiences: its claims until it expires, or why it is refused. */
export type TokenCheck =
  | { ok: true; claims: Claims; expiresAt: number }
  /** `transient`: the issuer could not be asked (not remembered: the next request asks again). */
  | { ok: false; reason: string; transient?: true };

/** Options of {@link TokenVerifier}. */
export interface TokenVerifierOptions {
  /** For the issuer's metadata, JWKS and introspection. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Wall clock, ms (token expiry). @default Date.now */
  now?: () => number;
  /** Most remembered token checks before the cache starts over. @default 10000 */
  maxCached?: number;
}

const ServerMetadataSchema = z.looseObject({
  issuer: z.string(),
  jwks_uri: z.url().optional(),
  introspection_endpoint: z.url().optional(),
});
type ServerMetadata = z.output<typeof ServerMetadataSchema>;

const IntrospectionAnswerSchema = z.looseObject({
  active: z.boolean(),
  exp: z.number().optional(),
  iss: z.string().optional(),
  aud: z.union([z.string(), z.array(z.string())]).optional(),
});

/** A JWS compact serialization (three base64url parts); anything else is treated as an opaque token. */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const METADATA_RETRY_MS = 30_000;

/**
 * Checks OAuth access tokens for this gateway as a resource server: JWTs against the issuer's JWKS (fetched
 * with a deadline and a size cap, cached by jose, re-fetched on an unknown `kid` at most every 30 s), the
 * issuer, an audience among those asked for (RFC 8707), expiry and an asymmetric algorithm; opaque tokens by
 * introspection (RFC 7662) when configured. Answers are remembered per token (under its SHA-256) until it
 * expires, so a session's later requests cost a hash and a map look-up.
 */
export class TokenVerifier {
  readonly #config: OAuthConfig;
  readonly #fetch: typeof fetch;
  readonly #now: () => number;
  readonly #maxCached: number;
  readonly #cache = new Map<string, TokenCheck>();
  #metadata: Promise<ServerMetadata> | undefined;
  #metadataFailedAt = 0;
  #jwks: JWTVerifyGetKey | undefined;

  constructor(config: OAuthConfig, options: TokenVerifierOptions = {}) {
    this.#config = config;
    this.#fetch = options.fetch ?? fetch;
    this.#now = options.now ?? Date.now;
    this.#maxCached = options.maxCached ?? 10_000;
  }

  /** The issuer tokens must come from. */
  get issuer(): string {
    return this.#config.issuer;
  }

  /** Checks `token` for one of `audiences`. Never throws: an unreachable issuer refuses the token. */
  async check(token: string, audiences: readonly string[]): Promise<TokenCheck> {
    const slot = `${sha256(token, "base64")} ${audiences.join(" ")}`;
    const cached = this.#cache.get(slot);
    if (cached && (!cached.ok || cached.expiresAt > this.#now())) return cached;
    const result = JWT_SHAPE.test(token)
      ? await this.#verifyJwt(token, audiences)
      : await this.#introspect(token, audiences);
    if (this.#cache.size >= this.#maxCached) this.#cache.clear();
    // A refusal for a reason that may pass (the issuer was unreachable) is not remembered.
    if (result.ok || !result.transient) this.#cache.set(slot, result);
    else this.#cache.delete(slot);
    return result;
  }

  async #verifyJwt(token: string, audiences: readonly string[]): Promise<TokenCheck> {
    let keys: JWTVerifyGetKey;
    try {
      keys = await this.#keys();
    } catch (error) {
      return unavailable(error);
    }
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: this.#config.issuer,
        audience: [...audiences],
        algorithms: this.#config.algorithms,
        clockTolerance: this.#config.clock_tolerance / 1000,
        requiredClaims: ["exp"],
        currentDate: new Date(this.#now()),
      });
      return { ok: true, claims: payload, expiresAt: (payload.exp as number) * 1000 };
    } catch (error) {
      const reason = jwtRefusal(error);
      return reason === undefined ? unavailable(error) : { ok: false, reason };
    }
  }

  async #introspect(token: string, audiences: readonly string[]): Promise<TokenCheck> {
    const settings = this.#config.introspection;
    if (!settings) return { ok: false, reason: "not a JWT, and token introspection is not configured" };
    let answer: z.output<typeof IntrospectionAnswerSchema>;
    try {
      const endpoint = settings.endpoint ?? (await this.#serverMetadata()).introspection_endpoint;
      if (!endpoint) throw new Error("the issuer's metadata names no introspection_endpoint");
      const basic = Buffer.from(
        `${encodeURIComponent(settings.client_id)}:${encodeURIComponent(settings.client_secret)}`,
      ).toString("base64");
      const body = await fetchJson(endpoint, {
        fetch: this.#fetch,
        init: {
          method: "POST",
          headers: { authorization: `Basic ${basic}`, "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ token, token_type_hint: "access_token" }).toString(),
        },
      });
      answer = IntrospectionAnswerSchema.parse(body);
    } catch (error) {
      return {
        ok: false,
        reason: `the authorization server did not introspect it (${errorMessage(error)})`,
        transient: true,
      };
    }
    if (!answer.active) return { ok: false, reason: "the token is not active (expired or revoked)" };
    if (answer.iss !== undefined && answer.iss !== this.#config.issuer) {
      return { ok: false, reason: "the token comes from another issuer" };
    }
    const aud = answer.aud === undefined ? [] : [answer.aud].flat();
    if (!aud.some((a) => audiences.includes(a))) {
      return { ok: false, reason: "the token is for another resource (audience)" };
    }
    const now = this.#now();
    if (answer.exp !== undefined && answer.exp * 1000 <= now) {
      return { ok: false, reason: "the token has expired" };
    }
    const ttl = now + settings.cache_ttl;
    return { ok: true, claims: answer, expiresAt: Math.min(ttl, (answer.exp ?? Infinity) * 1000) };
  }

  async #keys(): Promise<JWTVerifyGetKey> {
    if (this.#jwks) return this.#jwks;
    const uri = this.#config.jwks_uri ?? (await this.#serverMetadata()).jwks_uri;
    if (!uri) throw new Error(`the metadata of ${this.#config.issuer} names no jwks_uri`);
    const cappedFetch = async (url: string, init: RequestInit): Promise<Response> => {
      const response = await this.#fetch(url, init);
      // jose reads the body itself; hand it a copy read under the size cap.
      const text = await readCapped(response, 256 * 1024, url);
      return new Response(text, { status: response.status, headers: response.headers });
    };
    this.#jwks = createRemoteJWKSet(new URL(uri), {
      timeoutDuration: 5000,
      cooldownDuration: 30_000,
      cacheMaxAge: 10 * 60_000,
      [customFetch]: cappedFetch,
    });
    return this.#jwks;
  }

  /** RFC 8414 metadata of the issuer, else its OpenID configuration; a failure is retried after 30 s. */
  #serverMetadata(): Promise<ServerMetadata> {
    if (
      this.#metadata &&
      !(this.#metadataFailedAt && this.#now() - this.#metadataFailedAt > METADATA_RETRY_MS)
    )
      return this.#metadata;
    this.#metadataFailedAt = 0;
    const issuer = new URL(this.#config.issuer);
    const path = issuer.pathname === "/" ? "" : issuer.pathname.replace(/\/$/, "");
    const candidates = [
      `${issuer.origin}/.well-known/oauth-authorization-server${path}`,
      `${issuer.origin}${path}/.well-known/openid-configuration`,
    ];
    this.#metadata = (async () => {
      let last: unknown;
      for (const url of candidates) {
        try {
          const metadata = ServerMetadataSchema.parse(await fetchJson(url, { fetch: this.#fetch }));
          if (metadata.issuer !== this.#config.issuer) {
            throw new Error(`${url} names issuer ${metadata.issuer}, not ${this.#config.issuer}`);
          }
          return metadata;
        } catch (error) {
          last = error;
        }
      }
      this.#metadataFailedAt = this.#now();
      log.warn(`oauth: no metadata from ${this.#config.issuer}: ${errorMessage(last)}`);
      throw last;
    })();
    return this.#metadata;
  }
}

function unavailable(error: unknown): TokenCheck {
  return {
    ok: false,
    reason: `the authorization server's keys are unavailable (${errorMessage(error)})`,
    transient: true,
  };
}

/**
 * Why jose refused a JWT, in words for the 401's error_description (no token content); undefined when the
 * token was not the problem (the JWKS could not be fetched or read).
 */
function jwtRefusal(error: unknown): string | undefined {
  if (error instanceof errors.JWTExpired) return "the token has expired";
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === "iss") return "the token comes from another issuer";
    if (error.claim === "aud") return "the token is for another resource (audience)";
    return `the token's ${error.claim} claim is not valid`;
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return "the token's signature algorithm is not accepted";
  if (error instanceof errors.JWSSignatureVerificationFailed) return "the token's signature does not verify";
  if (error instanceof errors.JWKSNoMatchingKey) return "no key of the issuer signed the token";
  if (error instanceof errors.JWKSMultipleMatchingKeys) return "the token names no single key of the issuer";
  if (
    error instanceof errors.JWSInvalid ||
    error instanceof errors.JWTInvalid ||
    error instanceof errors.JOSENotSupported
  ) {
    return "the token is not a valid JWT";
  }
  return undefined;
}
