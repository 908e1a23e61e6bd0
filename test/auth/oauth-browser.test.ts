import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import type { OAuthClientProvider } from "@modelcontextprotocol/sdk/client/auth.js";
import { UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from "@modelcontextprotocol/sdk/shared/auth.js";
import { decodeJwt } from "jose";
import type { Browser } from "playwright-core";
import { CHROMIUM, launch } from "../dashboard/browser.ts";
import { freePort } from "../helpers/http-servers.ts";
import { serverCommand } from "../helpers/paths.ts";
import { type AuthGateway, startAuthGateway } from "./helpers.ts";
import { type OidcServer, startOidc } from "./oidc.ts";

// The authorization-code flow as an MCP client on a user's machine runs it: the SDK client gets the 401,
// discovers both metadata documents, registers itself, and hands the authorization URL to a browser; a
// real Chromium walks oidc-provider's login and consent pages and lands on the client's loopback redirect.
const NO_BROWSER = existsSync(CHROMIUM)
  ? undefined
  : `OAuth browser flow skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`;
if (NO_BROWSER) console.warn(NO_BROWSER);

/** What the loopback redirect URI received. */
interface Callback {
  code: string | null;
  state: string | null;
  iss: string | null;
}

/** An in-memory `OAuthClientProvider` whose "redirect" drives the test's headless Chromium. */
class BrowserProvider implements OAuthClientProvider {
  client: OAuthClientInformationMixed | undefined;
  saved: OAuthTokens | undefined;
  verifier = "";
  /** The authorization URL the SDK asked the browser to open. */
  opened: URL | undefined;
  /** The browser's walk through login and consent, started by `redirectToAuthorization`. */
  walk: Promise<void> | undefined;
  readonly #state = crypto.randomUUID();

  constructor(
    readonly redirectUrl: string,
    readonly browser: Browser,
  ) {}

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: "mcp-gateway browser test",
      redirect_uris: [this.redirectUrl],
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }
  state(): string {
    return this.#state;
  }
  clientInformation(): OAuthClientInformationMixed | undefined {
    return this.client;
  }
  saveClientInformation(info: OAuthClientInformationMixed): void {
    this.client = info;
  }
  tokens(): OAuthTokens | undefined {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens): void {
    this.saved = tokens;
  }
  saveCodeVerifier(verifier: string): void {
    this.verifier = verifier;
  }
  codeVerifier(): string {
    return this.verifier;
  }
  redirectToAuthorization(url: URL): void {
    this.opened = url;
    this.walk = signInAndConsent(this.browser, url);
  }
}

/** oidc-provider's development pages: any login and password, then "Continue" on the consent page. */
async function signInAndConsent(browser: Browser, url: URL): Promise<void> {
  const page = await (await browser.newContext()).newPage();
  try {
    await page.goto(url.href);
    await page.fill('input[name="login"]', "alice");
    await page.fill('input[name="password"]', "anything");
    await page.click('button[type="submit"]');
    await page.waitForSelector('input[name="prompt"][value="consent"]', { state: "attached" });
    await page.click('button[type="submit"]');
    await page.waitForURL((at) => at.pathname === "/callback");
  } finally {
    await page.context().close();
  }
}

let oidc: OidcServer;
let gw: AuthGateway;
let base: string;
let browser: Browser;
let callbackServer: ReturnType<typeof Bun.serve>;
let callbacks: Callback[] = [];
let nextCallback: (callback: Callback) => void = () => undefined;

describe.skipIf(NO_BROWSER !== undefined)("OAuth authorization code in a real browser", () => {
  beforeAll(async () => {
    const port = freePort();
    base = `http://127.0.0.1:${port}`;
    oidc = await startOidc({
      clients: [],
      scopes: ["mcp", "memory"],
      resources: [base],
      interactive: true,
    });
    // The token's scope `mcp` reaches the memory backend; its audience must be this gateway's /mcp.
    const oauth = {
      issuer: oidc.issuer,
      resource: base,
      required_scopes: ["mcp"],
      scopes: { mcp: ["memory"] },
    };
    const backends = { memory: { command: serverCommand("memory") } };
    gw = await startAuthGateway(JSON.stringify({ auth: { oauth }, backends }), { port });
    callbackServer = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: (request) => {
        const url = new URL(request.url);
        if (url.pathname !== "/callback") return new Response("not found", { status: 404 });
        const got = {
          code: url.searchParams.get("code"),
          state: url.searchParams.get("state"),
          iss: url.searchParams.get("iss"),
        };
        callbacks.push(got);
        nextCallback(got);
        return new Response("<p>Signed in; you may close this window.</p>", {
          headers: { "content-type": "text/html" },
        });
      },
    });
    browser = await launch();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    callbackServer?.stop(true);
    await gw?.stop();
    await oidc?.stop();
  });

  test("the SDK client goes from the 401 through discovery, registration, login and consent to tools/list", async () => {
    callbacks = [];
    let deadline: ReturnType<typeof setTimeout> | undefined;
    const arrived = new Promise<Callback>((resolve, reject) => {
      nextCallback = resolve;
      deadline = setTimeout(
        () => reject(new Error("no authorization code reached the redirect URI in 30 s")),
        30_000,
      );
    }).finally(() => clearTimeout(deadline));
    const provider = new BrowserProvider(`http://127.0.0.1:${callbackServer.port}/callback`, browser);
    const seen: string[] = [];
    const fetchFn = async (input: string | URL, init?: RequestInit): Promise<Response> => {
      const response = await fetch(input, init);
      const url = new URL(input);
      const host = url.origin === base ? "gateway" : url.origin === oidc.issuer ? "issuer" : url.origin;
      seen.push(`${init?.method ?? "GET"} ${host}${url.pathname} ${response.status}`);
      return response;
    };
    const transport = new StreamableHTTPClientTransport(new URL("/mcp", base), {
      authProvider: provider,
      fetch: fetchFn,
    });
    const first = new Client({ name: "oauth-browser-test", version: "1.0.0" });
    // No token yet: the SDK answers the 401 by discovery, registration and a redirect, then stops.
    await expect(first.connect(transport)).rejects.toBeInstanceOf(UnauthorizedError);
    const callback = await arrived;
    await provider.walk;

    expect(seen[0]).toBe("POST gateway/mcp 401");
    expect(seen).toContain("GET gateway/.well-known/oauth-protected-resource/mcp 200");
    expect(
      seen.some((line) =>
        /^GET issuer\/\.well-known\/(oauth-authorization-server|openid-configuration) 200$/.test(line),
      ),
    ).toBe(true);
    expect(seen).toContain("POST issuer/reg 201");
    const opened = provider.opened as URL;
    expect(opened.origin).toBe(oidc.issuer);
    expect(Object.fromEntries(opened.searchParams)).toMatchObject({
      response_type: "code",
      client_id: provider.client?.client_id,
      code_challenge_method: "S256",
      redirect_uri: provider.redirectUrl,
      resource: `${base}/mcp`,
      scope: "mcp",
    });
    expect(callbacks).toHaveLength(1);
    expect(callback.state).toBe(provider.state());
    expect(callback.iss).toBe(oidc.issuer);
    expect(callback.code).toBeTruthy();

    await transport.finishAuth(callback.code as string);
    expect(seen.at(-1)).toBe("POST issuer/token 200");
    const token = provider.tokens()?.access_token as string;
    expect(decodeJwt(token)).toMatchObject({
      aud: `${base}/mcp`,
      iss: oidc.issuer,
      sub: "alice",
      scope: "mcp",
      client_id: provider.client?.client_id,
    });

    const client = new Client({ name: "oauth-browser-test", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL("/mcp", base), { authProvider: provider, fetch: fetchFn }),
    );
    const tools = await client.listTools();
    expect(tools.tools.map((t) => t.name)).toContain("gateway_invoke");
    const servers = await client.callTool({ name: "gateway_list_servers", arguments: {} });
    expect(servers.isError).toBeFalsy();
    expect(JSON.stringify(servers)).toContain("memory");
    await client.close();
  }, 60_000);
});
