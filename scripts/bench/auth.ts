/**
 * Auth: what an API key costs per call. Two gateways in this process on the same backend
 * (server-everything over stdio), one without an `auth:` section and one with it, called with the SDK client
 * over Streamable HTTP (gateway_invoke of get-sum, a key scoped to that server); rounds interleaved so drift
 * hits both alike. Also the auth step alone: a cached key check plus the access hook, per call.
 * Run: bun scripts/bench/auth.ts [--calls 500] [--rounds 5] [--quick]
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
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

async function start(withAuth: boolean) {
  const { config } = parseConfig(`${withAuth ? "auth: {}\n" : ""}${backends}`, { file: "bench.yaml" });
  const auth = config.auth ? new Auth(config.auth, { keysPath }) : undefined;
  const gateway = new Gateway(new GatewayCore(config), auth?.hooks() ?? {});
  gateway.start();
  await gateway.ready;
  const http = startHttpFrontEnd(gateway, { host: "127.0.0.1", port: 0, surface: { kind: "meta" }, auth });
  return { gateway, http, auth };
}

async function connect(url: URL, key?: string): Promise<Client> {
  const client = new Client({ name: "bench-auth", version: "1.0.0" });
  const requestInit = key ? { headers: { authorization: `Bearer ${key}` } } : {};
  await client.connect(new StreamableHTTPClientTransport(new URL("/mcp", url), { requestInit }));
  return client;
}

const key = await addKey(keysPath, "bench", { scopes: ["everything"] });
const plain = await start(false);
const authed = await start(true);
const clients = { none: await connect(plain.http.url), key: await connect(authed.http.url, key) };

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

const p50s = { none: [] as number[], key: [] as number[] };
for (let r = 0; r < ROUNDS; r++) {
  for (const mode of r % 2 === 0 ? (["none", "key"] as const) : (["key", "none"] as const)) {
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

const none = median(p50s.none);
const withKey = median(p50s.key);
const result = {
  calls_per_round: CALLS,
  rounds: ROUNDS,
  p50_ms_no_auth: round(none),
  p50_ms_api_key: round(withKey),
  added_p50_ms: round(withKey - none),
  p50_round_spread_ms: {
    no_auth: [round(Math.min(...p50s.none)), round(Math.max(...p50s.none))],
    api_key: [round(Math.min(...p50s.key)), round(Math.max(...p50s.key))],
  },
  auth_step_us: { p50: round(median(steps), 2), p95: round(percentile(steps, 95), 2) },
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);

await Promise.all([clients.none.close(), clients.key.close()]);
await Promise.all([plain.http.stop(), authed.http.stop()]);
await Promise.all([plain.gateway.stop(), authed.gateway.stop()]);
process.exit(0);
