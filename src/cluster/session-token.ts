import { z } from "zod";
import { hmacSha256, randomToken, sameBytes } from "../digest.ts";
import { safeJson } from "./safe-json.ts";

/** The prefix of a signed session id (and its format's version). */
const PREFIX = "s1.";
/** Largest signed id accepted, so a forged header costs at most this much HMAC work. */
const MAX_ID_LENGTH = 8192;
/** Largest claims JSON signed; a client declaring more gets a replica-local id. */
const MAX_CLAIMS_BYTES = 4096;

const InitializeParams = z.looseObject({
  protocolVersion: z.string().max(64),
  capabilities: z.looseObject({}),
  clientInfo: z.looseObject({ name: z.string().max(256), version: z.string().max(256) }),
});

const Claims = z.strictObject({
  /** The client's initialize params, replayed by a replica that never saw them. */
  init: InitializeParams,
  /** The principal that opened the session; every request must come from it. */
  principal: z.string().max(512),
  /** `/mcp` or `/mcp/<backend>`: the id is valid only there. */
  endpoint: z.string().max(256),
  /** ms since epoch after which the id is refused. */
  expires: z.number(),
  /** Makes two sessions of one client different ids. */
  nonce: z.string().max(64),
});

/** What a signed session id carries. */
export type SessionClaims = z.output<typeof Claims>;
/** The initialize params a session id carries. */
export type InitializeClaims = z.output<typeof InitializeParams>;

/** Options of {@link SessionSigner}. */
export interface SessionSignerOptions {
  /** How long an id stays valid, ms. */
  ttlMs: number;
  /** Clock, ms since epoch. @default Date.now */
  now?: () => number;
}

/**
 * Self-contained session ids: `s1.<claims>.<HMAC-SHA256>` (base64url), so any replica holding the same
 * secret can rebuild a 2025-11-25 session it never saw initialized. A forged, altered or expired id is
 * simply not a session (the endpoint answers 404 as for any unknown id).
 */
export class SessionSigner {
  readonly #secret: Buffer;
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(secret: string, options: SessionSignerOptions) {
    this.#secret = Buffer.from(secret, "utf8");
    this.#ttlMs = options.ttlMs;
    this.#now = options.now ?? Date.now;
  }

  /** A signed id for a new session, or undefined when the claims are too large to carry. */
  sign(claims: Omit<SessionClaims, "expires" | "nonce">): string | undefined {
    const full: SessionClaims = {
      ...claims,
      expires: this.#now() + this.#ttlMs,
      nonce: randomToken(12, "base64url"),
    };
    const json = JSON.stringify(full);
    if (Buffer.byteLength(json) > MAX_CLAIMS_BYTES) return undefined;
    const body = Buffer.from(json).toString("base64url");
    return `${PREFIX}${body}.${this.#mac(body).toString("base64url")}`;
  }

  /** The claims of a genuine, unexpired id; undefined for anything else. */
  verify(id: string): SessionClaims | undefined {
    if (id.length > MAX_ID_LENGTH || !id.startsWith(PREFIX)) return undefined;
    const rest = id.slice(PREFIX.length);
    const dot = rest.indexOf(".");
    if (dot < 0) return undefined;
    const body = rest.slice(0, dot);
    const given = Buffer.from(rest.slice(dot + 1), "base64url");
    const expected = this.#mac(body);
    if (!sameBytes(given, expected)) return undefined;
    const claims = Claims.safeParse(safeJson(Buffer.from(body, "base64url").toString("utf8")));
    if (!claims.success || claims.data.expires <= this.#now()) return undefined;
    return claims.data;
  }

  #mac(body: string): Buffer {
    return hmacSha256(this.#secret, PREFIX, body);
  }
}
