/**
 * Auth: what an API key and a JWT access token cost per call. Three gateways in this process on the same
 * backend (server-everything over stdio): without an `auth:` section, with API keys, and with `auth.oauth`
 * (an ES256 JWT checked by jose against a JWKS served on loopback), called with the SDK client over
 * Streamable HTTP (gateway_invoke of get-sum, a principal scoped to that server); rounds interleaved so
 * drift hits all alike. Also the auth step alone: a cached credential check plus the access hook, per call.
 * Run: bun scripts/bench/auth.ts [--calls 500] [--rounds 5] [--quick]
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { Auth } from "../../src/auth/auth.ts";
import { addKey } from "../../src/auth/manage.ts";
import { parseConfig } from "../../src/config/load.ts";
import type { CallContext } from "../../src/gateway/call-context.ts";
import { GatewayCore } from "../../src/gateway/core.ts";
import { Gateway } from "../../src/gateway/gateway.ts";
import { configureLog } from "../../src/log.ts";
import { startHttpFrontEnd } from "../../src/server/http/front-end.ts";
import { numberArg } from "./lib/args.ts";
import { bin } from "./lib/paths.ts";
import { median, percentile, round } from "./lib/stats.ts";

const quick = process.argv.includes("--quick");
const CALLS = numberArg("calls", quick ? 100 : 500);
const ROUNDS = numberArg("rounds", quick ? 2 : 5);
const WARMUP = 50;

const dir = mkdtempSync(join(tmpdir(), "mcp-gateway-bench-auth-"));
const keysPath = join(dir, "gateway.keys.json");
process.env.MCP_GATEWAY_DATA_DIR = join(dir, "data");
configureLog({ level: "warn", format: "text" });
const backends = `
backends:
  everything:
    command: ${JSON.stringify(`${bin("mcp-server-everything")} stdio`)}
    failsafe: { rate_limit: { enabled: false } }
lifecycle: { cache_dir: ${JSON.stringify(join(dir, "cache"))} }
`;

// A loopback issuer: RFC 8414 metadata and a JWKS, as an authorization server serves them.
const { privateKey, publicKey } = await generateKeyPair("ES256");
const jwk = { ...(await exportJWK(publicKey)), kid: "bench", alg: "ES256", use: "sig" };
const issuerServer = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch: (request): Response => {
    const path = new URL(request.url).pathname;
    if (path === "/jwks") return Response.json({ keys: [jwk] });
    if (path === "/.well-known/oauth-authorization-server") {
      return Response.json({ issuer, jwks_uri: `${issuer}/jwks`, token_endpoint: `${issuer}/token` });
    }
    return new Response("not found", { status: 404 });
  },
});
const issuer: string = `http://127.0.0.1:${issuerServer.port}`;
const probe = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
const oauthPort = probe.port as number;
probe.stop(true);
const resource = `http://127.0.0.1:${oauthPort}`;
const oauthSection = `auth:
  oauth:
    issuer: ${issuer}
    resource: ${resource}
    scopes: { mcp: [everything] }
`;

async function start(mode: "none" | "key" | "jwt") {
  const section = mode === "none" ? "" : mode === "key" ? "auth: {}\n" : oauthSection;
  const { config } = parseConfig(`${section}${backends}`, { file: "bench.yaml" });
  const auth = config.auth ? new Auth(config.auth, { keysPath }) : undefined;
  const gateway = new Gateway(new GatewayCore(config), auth?.hooks() ?? {});
  gateway.start();
  await gateway.ready;
  const port = mode === "jwt" ? oauthPort : 0;
  const http = startHttpFrontEnd(gateway, { host: "127.0.0.1", port, surface: { kind: "meta" }, auth });
  return { gateway, http, auth };
}

async function connect(url: URL, key?: string): Promise<Client> {
  const client = new Client({ name: "bench-auth", version: "1.0.0" });
  const requestInit = key ? { headers: { authorization: `Bearer ${key}` } } : {};
  await client.connect(new StreamableHTTPClientTransport(new URL("/mcp", url), { requestInit }));
  return client;
}

const key = await addKey(keysPath, "bench", { scopes: ["everything"] });
const token = await new SignJWT({ scope: "mcp", sub: "bench" })
  .setProtectedHeader({ alg: "ES256", typ: "at+jwt", kid: "bench" })
  .setIssuer(issuer)
  .setAudience(`${resource}/mcp`)
  .setIssuedAt()
  .setExpirationTime("2h")
  .sign(privateKey);
const plain = await start("none");
const authed = await start("key");
const oauth = await start("jwt");
const clients = {
  none: await connect(plain.http.url),
  key: await connect(authed.http.url, key),
  jwt: await connect(oauth.http.url, token),
};

async function timeCalls(client: Client, n: number): Promise<number[]> {
  const call = (i: number) =>
    client.callTool({
      name: "gateway_invoke",
      arguments: { server: "everything", tool: "get-sum", arguments: { a: i, b: 1 } },
    });
  for (let i = 0; i < WARMUP; i++) await call(i);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await call(i);
    out.push(performance.now() - t);
  }
  return out;
}

const p50s = { none: [] as number[], key: [] as number[], jwt: [] as number[] };
const modes = ["none", "key", "jwt"] as const;
for (let r = 0; r < ROUNDS; r++) {
  // Each round starts with another mode, so none of them always runs first.
  for (let i = 0; i < modes.length; i++) {
    const mode = modes[(r + i) % modes.length] as (typeof modes)[number];
    p50s[mode].push(median(await timeCalls(clients[mode], CALLS)));
  }
}

// The auth step alone: the key check (cached after its first argon2 verify) and the access hook.
const auth = authed.auth as Auth;
const hooks = auth.hooks();
const principal = await auth.authenticate(key);
if (!principal) throw new Error("the bench key did not authenticate");
const ctx = { principal } as CallContext;
const steps: number[] = [];
for (let round = 0; round < 20; round++) {
  const n = 5000;
  const t = performance.now();
  for (let i = 0; i < n; i++) {
    await auth.authenticate(key);
    hooks.access(ctx, { server: "everything", kind: "tool", name: "get-sum", readOnly: false });
  }
  steps.push(((performance.now() - t) / n) * 1000);
}

// The same for a JWT: the token check (jose once, then remembered under the token's SHA-256 until exp).
const oauthAuth = oauth.auth as Auth;
const oauthHooks = oauthAuth.hooks();
const checked = await oauthAuth.authenticateRequest(token, "/mcp");
if (!checked.ok) throw new Error(`the bench token did not authenticate: ${checked.description}`);
const jwtCtx = { principal: checked.principal } as CallContext;
const jwtSteps: number[] = [];
for (let round = 0; round < 20; round++) {
  const n = 5000;
  const t = performance.now();
  for (let i = 0; i < n; i++) {
    await oauthAuth.authenticateRequest(token, "/mcp");
    oauthHooks.access(jwtCtx, { server: "everything", kind: "tool", name: "get-sum", readOnly: false });
  }
  jwtSteps.push(((performance.now() - t) / n) * 1000);
}
// And an uncached verification (signature + claims), what the first request of each token pays.
const verifySamples: number[] = [];
for (let i = 0; i < 200; i++) {
  const fresh = await new SignJWT({ scope: "mcp", sub: `bench-${i}` })
    .setProtectedHeader({ alg: "ES256", typ: "at+jwt", kid: "bench" })
    .setIssuer(issuer)
    .setAudience(`${resource}/mcp`)
    .setIssuedAt()
    .setExpirationTime("2h")
    .sign(privateKey);
  const t = performance.now();
  await oauthAuth.authenticateRequest(fresh, "/mcp");
  verifySamples.push((performance.now() - t) * 1000);
}

const none = median(p50s.none);
const withKey = median(p50s.key);
const withJwt = median(p50s.jwt);
const result = {
  calls_per_round: CALLS,
  rounds: ROUNDS,
  p50_ms_no_auth: round(none),
  p50_ms_api_key: round(withKey),
  added_p50_ms: round(withKey - none),
  p50_ms_jwt: round(withJwt),
  added_p50_ms_jwt: round(withJwt - none),
  p50_round_spread_ms: {
    no_auth: [round(Math.min(...p50s.none)), round(Math.max(...p50s.none))],
    api_key: [round(Math.min(...p50s.key)), round(Math.max(...p50s.key))],
    jwt: [round(Math.min(...p50s.jwt)), round(Math.max(...p50s.jwt))],
  },
  auth_step_us: { p50: round(median(steps), 2), p95: round(percentile(steps, 95), 2) },
  jwt_step_us: { p50: round(median(jwtSteps), 2), p95: round(percentile(jwtSteps, 95), 2) },
  jwt_first_verify_us: { p50: round(median(verifySamples), 1), p95: round(percentile(verifySamples, 95), 1) },
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);

await Promise.all([clients.none.close(), clients.key.close(), clients.jwt.close()]);
await Promise.all([plain.http.stop(), authed.http.stop(), oauth.http.stop()]);
await Promise.all([plain.gateway.stop(), authed.gateway.stop(), oauth.gateway.stop()]);
issuerServer.stop(true);
process.exit(0);
