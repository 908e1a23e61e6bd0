import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ClientCredentialsProvider } from "@modelcontextprotocol/sdk/client/auth-extensions.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { decodeJwt, UnsecuredJWT } from "jose";
import { freePort, type HttpServerProcess, startEverythingHttp } from "../helpers/http-servers.ts";
import { serverCommand } from "../helpers/paths.ts";
import { type AuthGateway, connectWithKey, startAuthGateway } from "./helpers.ts";
import { type OidcClient, type OidcServer, startOidc } from "./oidc.ts";

const OPS: OidcClient = {
  client_id: "ops-bot",
  client_secret: "s-ops",
  scope: "mcp",
  claims: { groups: ["ops"] },
};
const PLAIN: OidcClient = { client_id: "plain", client_secret: "s-plain", scope: "mcp memory" };
const GATEWAY: OidcClient = { client_id: "gateway", client_secret: "s-gateway", scope: "mcp" };
const NO_MCP: OidcClient = { client_id: "no-mcp", client_secret: "s-no-mcp", scope: "memory" };

let oidc: OidcServer;
let gw: AuthGateway;
let base: string;
let everything: HttpServerProcess;
/** Every request header the HTTP backend received, as the stand-in in front of it saw them. */
const seenHeaders: Record<string, string>[] = [];
let standIn: ReturnType<typeof Bun.serve>;

beforeAll(async () => {
  const port = freePort();
  base = `http://127.0.0.1:${port}`;
  oidc = await startOidc({
    clients: [OPS, PLAIN, NO_MCP, GATEWAY],
    scopes: ["mcp", "memory"],
    resources: [`${base}`],
    opaque: [base, `${base}/other`],
  });
  everything = await startEverythingHttp("streamableHttp");
  standIn = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0,
    fetch: (request) => {
      seenHeaders.push(Object.fromEntries(request.headers));
      const url = new URL(request.url);
      return fetch(new URL(url.pathname + url.search, everything.url), {
        method: request.method,
        headers: request.headers,
        body: request.body,
      });
    },
  });
  gw = await startAuthGateway(
    `
auth:
  oauth:
    issuer: ${oidc.issuer}
    resource: ${base}
    required_scopes: [mcp]
    scopes:
      mcp: [remote/echo]
      memory: [memory]
    rules:
      - { claim: groups, contains: ops, profile: ops }
    introspection: { client_id: gateway, client_secret: s-gateway }
  profiles:
    ops: { servers: [remote, memory] }
backends:
  remote:
    http_url: http://127.0.0.1:${standIn.port}/mcp
  memory:
    command: '${serverCommand("memory")}'
`,
    { port },
  );
});
afterAll(async () => {
  await gw?.stop();
  standIn?.stop(true);
  await everything?.stop();
  await oidc?.stop();
});

function post(path: string, token: string | undefined): Promise<Response> {
  return fetch(new URL(path, base), {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } },
    }),
  });
}

const invoke = (client: Client, server: string, tool: string, args: Record<string, unknown>) =>
  client.callTool({ name: "gateway_invoke", arguments: { server, tool, arguments: args } });

describe("OAuth resource server", () => {
  test("the SDK client's client_credentials flow goes from the 401 through discovery to tools/list", async () => {
    const seen: string[] = [];
    const provider = new ClientCredentialsProvider({
      clientId: OPS.client_id,
      clientSecret: OPS.client_secret,
      scope: "mcp",
      expectedIssuer: oidc.issuer,
    });
    const client = new Client({ name: "oauth-test", version: "1.0.0" });
    const transport = new StreamableHTTPClientTransport(new URL("/mcp", base), {
      authProvider: provider,
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        seen.push(`${init?.method ?? "GET"} ${new URL(String(input)).pathname} ${response.status}`);
        return response;
      },
    });
    await client.connect(transport);
    const tools = await client.listTools();
    expect(tools.tools.map((t) => t.name)).toContain("gateway_invoke");
    expect(seen[0]).toBe("POST /mcp 401");
    expect(seen).toContain("GET /.well-known/oauth-protected-resource/mcp 200");
    expect(seen).toContain("POST /token 200");
    const token = provider.tokens()?.access_token as string;
    expect(decodeJwt(token)).toMatchObject({ aud: `${base}/mcp`, iss: oidc.issuer, groups: ["ops"] });

    // groups contains ops → profile ops: the whole remote backend, over HTTP.
    const echoed = await invoke(client, "remote", "echo", { message: "hi" });
    expect(echoed.isError).toBeFalsy();
    expect(JSON.stringify(echoed)).toContain("hi");
    expect(seenHeaders.length).toBeGreaterThan(0);
    for (const headers of seenHeaders) {
      expect(headers.authorization).toBeUndefined();
      expect(JSON.stringify(headers)).not.toContain(token.slice(-20));
    }
    await client.close();
  });

  test("the resource metadata names the canonical URL and the authorization server", async () => {
    const meta = await (await fetch(`${base}/.well-known/oauth-protected-resource/mcp/memory`)).json();
    expect(meta).toMatchObject({
      resource: `${base}/mcp/memory`,
      authorization_servers: [oidc.issuer],
      scopes_supported: ["mcp", "memory"],
    });
    const challenge = (await post("/mcp", undefined)).headers.get("www-authenticate");
    expect(challenge).toBe(
      `Bearer resource_metadata="${base}/.well-known/oauth-protected-resource/mcp", scope="mcp"`,
    );
  });

  test("scopes map to what a token may call; claims rules add profiles", async () => {
    const plain = await connectWithKey(
      new URL("/mcp", base),
      await oidc.token(PLAIN, { resource: `${base}/mcp` }),
    );
    expect((await invoke(plain, "remote", "echo", { message: "x" })).isError).toBeFalsy();
    const refused = await invoke(plain, "remote", "get-sum", { a: 1, b: 2 });
    expect(refused.isError).toBe(true);
    expect(JSON.stringify(refused)).toContain("not allowed");
    await plain.close();
  });

  test("a token lacking a required scope is 403 insufficient_scope, naming it", async () => {
    const response = await post("/mcp", await oidc.token(NO_MCP, { resource: `${base}/mcp` }));
    expect(response.status).toBe(403);
    const header = response.headers.get("www-authenticate") ?? "";
    expect(header).toContain('error="insufficient_scope"');
    expect(header).toContain('scope="mcp"');
    expect(header).toContain(`resource_metadata="${base}/.well-known/oauth-protected-resource/mcp"`);
  });

  test("a backend outside the token's scopes is a step-up 403 naming the scope that reaches it", async () => {
    const token = await oidc.token(PLAIN, { resource: `${base}/mcp/memory`, scope: "mcp" });
    const response = await post("/mcp/memory", token);
    expect(response.status).toBe(403);
    const header = response.headers.get("www-authenticate") ?? "";
    expect(header).toContain('error="insufficient_scope"');
    expect(header).toContain('scope="mcp memory"');
    const wider = await oidc.token(PLAIN, { resource: `${base}/mcp/memory`, scope: "mcp memory" });
    const ok = await post("/mcp/memory", wider);
    expect(ok.status).toBe(200);
    await ok.body?.cancel();
  });

  test("expired, wrong-audience, wrong-issuer, tampered and alg:none tokens are 401 invalid_token", async () => {
    const good = await oidc.token(PLAIN, { resource: `${base}/mcp` });
    const claims = { scope: "mcp", sub: "mallory", aud: `${base}/mcp`, iss: oidc.issuer };
    const [header, payload, signature] = good.split(".") as [string, string, string];
    const widened = Buffer.from(JSON.stringify({ ...decodeJwt(good), groups: ["ops"] })).toString(
      "base64url",
    );
    const cases: Record<string, string> = {
      expired: await oidc.sign(claims, { expiresIn: -120 }),
      "wrong audience": await oidc.token(PLAIN, { resource: `${base}/elsewhere` }),
      "wrong audience (signed)": await oidc.sign({ ...claims, aud: "https://other.example/mcp" }),
      "wrong issuer": await oidc.sign({ ...claims, iss: "http://127.0.0.1:1" }),
      tampered: `${header}.${widened}.${signature}`,
      "alg none": new UnsecuredJWT(claims).setIssuedAt().setExpirationTime("5m").encode(),
      "signature cut": `${header}.${payload}.`,
      garbage: "not-a-token",
    };
    expect((await post("/mcp", good)).status).toBe(200);
    for (const [name, token] of Object.entries(cases)) {
      const response = await post("/mcp", token);
      expect({ name, status: response.status }).toEqual({ name, status: 401 });
      expect(response.headers.get("www-authenticate")).toContain('error="invalid_token"');
    }
    const expired = await post("/mcp", cases.expired);
    expect(expired.headers.get("www-authenticate")).toContain('error_description="the token has expired"');
  });

  test("an opaque token is checked by introspection, audience included", async () => {
    const opaque = await oidc.token(PLAIN, { resource: base });
    expect(opaque.split(".").length).toBe(1);
    const client = await connectWithKey(new URL("/mcp", base), opaque);
    expect((await invoke(client, "remote", "echo", { message: "x" })).isError).toBeFalsy();
    await client.close();
    const elsewhere = await oidc.token(PLAIN, { resource: `${base}/other` });
    const refused = await post("/mcp", elsewhere);
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toContain("another resource");
  });
});
