import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { redactUrl, scrubber, secretsOf } from "../../src/redact.ts";
import { tempDir } from "../helpers/gateway.ts";
import { freePort } from "../helpers/http-servers.ts";
import { type GatewayProcess, spawnGateway, waitFor } from "../helpers/process.ts";

// A secret in a backend's URL (a query parameter, user info) or headers never shows: not in /health, not
// in gateway_list_servers, not in the log, not in a tool call's error (issue 11).

describe("redactUrl and scrubber", () => {
  test("drop user info and every query value, keep names, host and path", () => {
    expect(redactUrl("https://me:pw@api.example.com:8443/v1/mcp?api_key=abc123&region=eu#x")).toBe(
      "https://***@api.example.com:8443/v1/mcp?api_key=***&region=***#x",
    );
    expect(redactUrl("http://127.0.0.1:3000/mcp")).toBe("http://127.0.0.1:3000/mcp");
    expect(redactUrl("not a url ?token=abc")).toBe("***");
  });

  test("scrub a URL's query values and header tokens wherever a message quotes them", () => {
    const scrub = scrubber(
      secretsOf("https://h.example/mcp?api_key=SECRET-KEY-1&t=a%2Fb%3Dc", {
        Authorization: "Bearer TOKEN-XYZ-9",
      }),
    );
    expect(scrub("GET /mcp?api_key=SECRET-KEY-1&t=a%2Fb%3Dc said TOKEN-XYZ-9 and a/b=c")).toBe(
      "GET /mcp?api_key=***&t=*** said *** and ***",
    );
    // Values too short to be credentials are left alone (they would blank ordinary words).
    expect(scrubber(secretsOf("https://h/?v=1"))("version 1")).toBe("version 1");
  });
});

describe("a gateway with secrets in its backends' URLs", () => {
  const SECRET = "sk-live-0123456789abcdef";
  const HEADER_TOKEN = "hdr-token-fedcba9876543210";
  let echo: ReturnType<typeof Bun.serve>;
  let gw: GatewayProcess;
  beforeAll(async () => {
    // A backend that fails loudly, quoting the URL it was called with (as some servers' errors do).
    echo = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: (req) =>
        new Response(`upstream refused ${req.url} auth=${req.headers.get("authorization")}`, { status: 500 }),
    });
    const dir = tempDir();
    const config = join(dir, "gateway.yaml");
    await Bun.write(
      config,
      `capabilities: { enabled: false }
lifecycle: { lazy: false }
failsafe: { retry: { enabled: false } }
backends:
  unreachable:
    http_url: "http://127.0.0.1:${freePort()}/mcp?api_key=${SECRET}"
    transport: streamable-http
    timeout: 2s
  echoing:
    http_url: "http://127.0.0.1:${echo.port}/mcp?api_key=${SECRET}"
    transport: streamable-http
    headers: { Authorization: "Bearer ${HEADER_TOKEN}" }
    timeout: 2s
`,
    );
    gw = await spawnGateway(["--config", config, "--log-level", "debug"]);
    await waitFor("both backends failed", async () => {
      const health = (await (await fetch(new URL("/health", gw.url))).json()) as {
        backends: Record<string, { status: string }>;
      };
      return Object.values(health.backends).every((b) => b.status === "error") ? true : undefined;
    });
  });
  afterAll(async () => {
    gw?.proc.kill();
    await gw?.proc.exited;
    echo?.stop(true);
  });

  test("/health shows the errors without the secrets", async () => {
    const text = await (await fetch(new URL("/health", gw.url))).text();
    expect(text).toContain("Unable to connect");
    // The echoing backend's error quotes its URL: the quote stays, the secret goes.
    expect(text).toContain("api_key=***");
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(HEADER_TOKEN);
  });

  test("gateway_list_servers and a failed call show no secret either", async () => {
    const client = new Client({ name: "redaction", version: "1" });
    await client.connect(new StreamableHTTPClientTransport(new URL("/mcp", gw.url)));
    const servers = JSON.stringify(await client.callTool({ name: "gateway_list_servers", arguments: {} }));
    const call = JSON.stringify(
      await client.callTool({ name: "gateway_invoke", arguments: { server: "echoing", tool: "anything" } }),
    );
    await client.close();
    expect(servers).toContain("unreachable");
    expect(call).toContain("isError");
    for (const text of [servers, call]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(HEADER_TOKEN);
    }
  });

  test("the log (debug level) shows no secret", () => {
    const log = gw.stderr();
    expect(log).toContain("echoing");
    expect(log).not.toContain(SECRET);
    expect(log).not.toContain(HEADER_TOKEN);
  });
});
