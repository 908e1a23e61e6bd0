import { join } from "node:path";
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from "jose";
import { freePort } from "../helpers/http-servers.ts";

/** One client registered at the test authorization server. */
export interface OidcClient {
  client_id: string;
  client_secret: string;
  /** Scopes it may ask for (space-separated). */
  scope: string;
  /** Extra claims in its access tokens (e.g. groups). */
  claims?: Record<string, unknown>;
}

/** oidc-provider running under Node on 127.0.0.1, and what tests need to make good and bad tokens. */
export interface OidcServer {
  issuer: string;
  /** Asks the token endpoint (client_credentials) for a token for `resource`; throws on an error answer. */
  token(client: OidcClient, options: { resource: string; scope?: string }): Promise<string>;
  /** Signs a token with the server's own key (for expired / wrong-issuer cases the server won't mint). */
  sign(payload: JWTPayload, options?: { expiresIn?: number }): Promise<string>;
  stop(): Promise<void>;
}

const FIXTURE = join(import.meta.dir, "fixtures", "oidc-server.mjs");

/**
 * Starts the real authorization server (oidc-provider, which does not run under Bun) as a Node child
 * process, with a fresh ES256 key this test also holds.
 */
export async function startOidc(options: {
  clients: OidcClient[];
  scopes: string[];
  /** Resource URL prefixes it issues tokens for. */
  resources: string[];
  /** Resource URLs that get opaque tokens (introspection) instead of JWTs. */
  opaque?: string[];
  /** The browser's authorization-code flow too: dynamic registration, login and consent pages. */
  interactive?: boolean;
}): Promise<OidcServer> {
  const { privateKey } = await generateKeyPair("ES256", { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: "test-key", alg: "ES256", use: "sig" };
  const port = freePort();
  const proc = Bun.spawn(["node", FIXTURE], {
    env: { ...process.env, OIDC_FIXTURE: JSON.stringify({ port, jwks: { keys: [jwk] }, ...options }) },
    stdout: "pipe",
    stderr: "ignore",
  });
  const reader = proc.stdout.getReader();
  const first = await Promise.race([
    reader.read(),
    proc.exited.then((code) => {
      throw new Error(`oidc-provider exited with ${code} before listening`);
    }),
  ]);
  const { issuer } = JSON.parse(new TextDecoder().decode(first.value)) as { issuer: string };
  reader.releaseLock();
  const meta = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as {
    token_endpoint: string;
  };
  return {
    issuer,
    token: async (client, { resource, scope }) => {
      const response = await fetch(meta.token_endpoint, {
        method: "POST",
        headers: {
          authorization: `Basic ${btoa(`${client.client_id}:${client.client_secret}`)}`,
          "content-type": "application/x-www-form-urlencoded",
        },
        body: new URLSearchParams({
          grant_type: "client_credentials",
          scope: scope ?? client.scope,
          resource,
        }),
      });
      const body = (await response.json()) as { access_token?: string };
      if (!body.access_token) throw new Error(`token endpoint: ${JSON.stringify(body)}`);
      return body.access_token;
    },
    sign: (payload, { expiresIn = 300 } = {}) =>
      new SignJWT(payload)
        .setProtectedHeader({ alg: "ES256", typ: "at+jwt", kid: "test-key" })
        .setIssuedAt(Math.floor(Date.now() / 1000) - 600)
        .setExpirationTime(Math.floor(Date.now() / 1000) + expiresIn)
        .sign(privateKey),
    stop: async () => {
      proc.kill("SIGTERM");
      await proc.exited;
    },
  };
}
