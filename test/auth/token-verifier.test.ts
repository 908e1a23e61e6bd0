import { afterAll, describe, expect, test } from "bun:test";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { TokenVerifier } from "../../src/auth/oauth.ts";
import { OAuthSchema } from "../../src/config/schema.ts";

const { privateKey, publicKey } = await generateKeyPair("ES256");
const jwk = { ...(await exportJWK(publicKey)), kid: "k", alg: "ES256", use: "sig" };

/** A loopback issuer whose answers the test switches: up, down, or a JWKS far too large. */
let mode: "up" | "down" | "huge" = "up";
let jwksFetches = 0;
const issuerServer = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch: (request): Response => {
    const path = new URL(request.url).pathname;
    if (mode === "down") return new Response("unavailable", { status: 503 });
    if (path === "/.well-known/oauth-authorization-server") {
      return Response.json({ issuer, jwks_uri: `${issuer}/jwks` });
    }
    if (path === "/jwks") {
      jwksFetches++;
      if (mode === "huge") return Response.json({ keys: [jwk], padding: "x".repeat(400 * 1024) });
      return Response.json({ keys: [jwk] });
    }
    return new Response("not found", { status: 404 });
  },
});
const issuer: string = `http://127.0.0.1:${issuerServer.port}`;
afterAll(() => issuerServer.stop(true));

const AUDIENCE = "https://gw.example";
const config = OAuthSchema.parse({ issuer, resource: AUDIENCE });
const token = (sub = "alice") =>
  new SignJWT({ sub, scope: "mcp" })
    .setProtectedHeader({ alg: "ES256", kid: "k" })
    .setIssuer(issuer)
    .setAudience(AUDIENCE)
    .setExpirationTime("5m")
    .sign(privateKey);

describe("TokenVerifier", () => {
  test("an unreachable issuer refuses the token without remembering it; it passes once the issuer is back", async () => {
    mode = "down";
    const verifier = new TokenVerifier(config);
    const jwt = await token();
    const refused = await verifier.check(jwt, [AUDIENCE]);
    expect(refused).toEqual({
      ok: false,
      reason: expect.stringContaining("keys are unavailable"),
      transient: true,
    });
    mode = "up";
    // The metadata is retried after 30 s: a verifier with a clock past that sees the issuer again.
    let now = Date.now();
    const later = new TokenVerifier(config, { now: () => now });
    mode = "down";
    expect((await later.check(jwt, [AUDIENCE])).ok).toBe(false);
    mode = "up";
    now += 31_000;
    expect(await later.check(jwt, [AUDIENCE])).toMatchObject({ ok: true, claims: { sub: "alice" } });
  });

  test("a JWKS larger than 256 KiB is refused, as the issuer's fault: the same token passes once it is fixed", async () => {
    mode = "huge";
    const verifier = new TokenVerifier(config);
    const jwt = await token();
    expect(await verifier.check(jwt, [AUDIENCE])).toMatchObject({
      ok: false,
      reason: expect.stringContaining("byte limit"),
      transient: true,
    });
    mode = "up";
    expect(await verifier.check(jwt, [AUDIENCE])).toMatchObject({ ok: true });
  });

  test("a checked token is remembered until it expires: one JWKS fetch for many checks", async () => {
    const verifier = new TokenVerifier(config);
    const before = jwksFetches;
    const jwt = await token("bob");
    for (let i = 0; i < 50; i++) expect((await verifier.check(jwt, [AUDIENCE])).ok).toBe(true);
    expect(await verifier.check(await token("carol"), [AUDIENCE])).toMatchObject({ ok: true });
    expect(jwksFetches - before).toBe(1);
    // The same token for another audience is checked on its own, and refused.
    expect(await verifier.check(jwt, ["https://other.example"])).toMatchObject({ ok: false });
  });

  test("an HMAC-signed token is refused even with a key the issuer would accept", async () => {
    const verifier = new TokenVerifier(config);
    const hs = await new SignJWT({ sub: "mallory" })
      .setProtectedHeader({ alg: "HS256", kid: "k" })
      .setIssuer(issuer)
      .setAudience(AUDIENCE)
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode("x".repeat(32)));
    expect(await verifier.check(hs, [AUDIENCE])).toEqual({
      ok: false,
      reason: "the token's signature algorithm is not accepted",
    });
  });
});
