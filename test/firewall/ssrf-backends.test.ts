import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { parseConfig } from "../../src/config/load.ts";
import { diffConfig } from "../../src/config/reload.ts";
import { tempDir } from "../helpers/gateway.ts";
import { type HttpServerProcess, startEverythingHttp } from "../helpers/http-servers.ts";
import { InProcessGateway, metaCall } from "../helpers/in-process.ts";

// An HTTP MCP backend the admin configured on 127.0.0.1 (reached as written) that redirects every request
// to another host, `localhost` (a name resolving to loopback): the SSRF guard refuses the redirect in the
// gateway's probes and counts it (the SDK session itself follows redirects only within the origin).
describe("SSRF guard on an HTTP backend's redirects", () => {
  let everything: HttpServerProcess;
  let redirector: ReturnType<typeof Bun.serve>;

  beforeAll(async () => {
    everything = await startEverythingHttp("streamableHttp");
    redirector = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: (req) =>
        new Response(null, {
          status: 307,
          headers: { location: `http://localhost:${everything.port}${new URL(req.url).pathname}` },
        }),
    });
  });
  afterAll(async () => {
    redirector?.stop(true);
    await everything?.stop();
  });

  function gateway(firewall: string): InProcessGateway {
    const { config } = parseConfig(
      `capabilities: { enabled: false }
lifecycle: { cache_dir: ${JSON.stringify(tempDir("ssrf-cache-"))}, lazy: false }
failsafe: { retry: { enabled: false } }
backends:
  redirected:
    http_url: "http://127.0.0.1:${redirector.port}/mcp"
    timeout: 10s
${firewall}`,
      { file: "t.yaml" },
    );
    return new InProcessGateway(config);
  }

  test("under the default (block) the backend fails, naming the refused address, and /metrics counts it", async () => {
    const gw = gateway("");
    gw.start({ tickMs: 0 });
    await gw.ready;
    try {
      const state = gw.core.pool.get("redirected")?.snapshot();
      expect(state?.status).toBe("error");
      expect(state?.lastError).toContain("the gateway's firewall refused http://localhost:");
      expect(state?.lastError).toContain("127.0.0.1 is a loopback address (reached by a redirect");
      expect(gw.gateway.metrics(0)).toContain(
        'mcp_gateway_firewall_ssrf_total{backend="redirected",class="loopback",action="refused"}',
      );
    } finally {
      await gw.stop();
    }
  });

  test("a backend URL the admin wrote is reached as written, loopback name and all", async () => {
    const gw = gateway(`  direct:
    http_url: "http://localhost:${everything.port}/mcp"
    transport: streamable-http
`);
    gw.start({ tickMs: 0 });
    await gw.ready;
    try {
      expect(gw.core.pool.get("direct")?.snapshot().status).toBe("running");
      const result = (await metaCall(gw.gateway, "gateway_invoke", {
        server: "direct",
        tool: "echo",
        arguments: { message: "as written" },
      })) as { content: { text: string }[]; isError?: boolean };
      expect(result.isError).toBeFalsy();
      expect(result.content[0]?.text).toContain("as written");
    } finally {
      await gw.stop();
    }
  });
});

describe("a reload that changes the global SSRF settings", () => {
  test("rebuilds the HTTP backends and the capabilities backend, leaves stdio backends running", () => {
    const config = (firewall: string) =>
      parseConfig(
        `${firewall}
backends:
  remote: { http_url: "https://mcp.example.com/mcp" }
  local: { command: "server-x" }
`,
        { file: "t.yaml" },
      ).config;
    const diff = diffConfig(config(""), config("firewall: { allow_hosts: [10.1.0.0/16] }"));
    expect(diff.changed).toEqual(["remote"]);
    expect(diff.capabilities).toBe(true);
    const pinningOnly = diffConfig(config(""), config("firewall: { pinning: warn }"));
    expect([pinningOnly.changed, pinningOnly.capabilities]).toEqual([[], false]);
  });
});
