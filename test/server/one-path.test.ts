import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { parseConfig } from "../../src/config/load.ts";
import type { Surface } from "../../src/gateway/call-context.ts";
import { startHttpFrontEnd } from "../../src/server/http/front-end.ts";
import { type ConformanceRun, failingScenarios, runConformance } from "../helpers/conformance.ts";
import { RawResult, startTestGateway, type TestGateway, tempDir } from "../helpers/gateway.ts";
import { type HttpServerProcess, startEverythingHttp } from "../helpers/http-servers.ts";
import { InProcessGateway } from "../helpers/in-process.ts";
import { BUN, ENTRY, ROOT } from "../helpers/paths.ts";
import { childEnv } from "../helpers/process.ts";
import { rawExchange } from "../helpers/raw-socket.ts";
import { parseExposition, sampleValue } from "../metrics/parse.ts";

// Every request a client makes reaches a backend by one route (src/gateway/pipeline.ts). These tests make
// a tool call, a resource read and a prompt get on each surface over each transport, and check that each
// one was counted by the metrics (HTTP, legacy SSE) or logged once (stdio), and that the failsafes apply
// to reads and gets as they do to calls.

const FIXTURE = join(ROOT, "test/fixtures/paginating-server.ts");
const yaml = (extra = ""): string => `capabilities: { enabled: false }
lifecycle: { lazy: false, cache_dir: "${tempDir()}" }
failsafe: { rate_limit: { enabled: false } }
${extra}
backends:
  fixture:
    command: '"${BUN}" "${FIXTURE}" --count 12'
`;

/** What one surface calls its tool and prompt. */
function names(surface: Surface["kind"]): {
  call: { name: string; arguments: Record<string, unknown> };
  prompt: string;
} {
  switch (surface) {
    case "meta":
      return {
        call: { name: "gateway_invoke", arguments: { server: "fixture", tool: "count_calls" } },
        prompt: "fixture__prompt_0001",
      };
    case "transparent":
      return { call: { name: "fixture__count_calls", arguments: {} }, prompt: "fixture__prompt_0001" };
    case "direct":
      return { call: { name: "count_calls", arguments: {} }, prompt: "prompt_0001" };
  }
}

async function useEverything(client: Client, surface: Surface["kind"]): Promise<void> {
  const { call, prompt } = names(surface);
  const result = await client.request({ method: "tools/call", params: call }, RawResult);
  expect(JSON.stringify(result)).toContain("call #");
  const read = await client.readResource({ uri: "test://item/0001" });
  expect(JSON.stringify(read.contents)).toContain("item-0001");
  const got = await client.getPrompt({ name: prompt });
  expect(got.messages.length).toBeGreaterThan(0);
}

async function requestCounts(base: URL): Promise<Record<string, number>> {
  const text = await (await fetch(new URL("/metrics", base))).text();
  const { samples } = parseExposition(text);
  const count = (tool: string): number =>
    sampleValue(samples, "mcp_gateway_requests_total", { backend: "fixture", tool, outcome: "success" }) ?? 0;
  return {
    call: count("count_calls"),
    read: count("resources/read"),
    get: count("prompts/get"),
  };
}

describe("every surface and transport takes the one path", () => {
  const gateways: TestGateway[] = [];
  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.stop()));
  });

  const cases: { surface: Surface["kind"]; transport: "http" | "sse" }[] = [
    { surface: "meta", transport: "http" },
    { surface: "meta", transport: "sse" },
    { surface: "transparent", transport: "http" },
    { surface: "transparent", transport: "sse" },
    { surface: "direct", transport: "http" },
  ];
  for (const { surface, transport } of cases) {
    test(`${surface} over ${transport}: a call, a read and a get are each counted once`, async () => {
      const gw = await startTestGateway(yaml(), { kind: surface === "transparent" ? "transparent" : "meta" });
      gateways.push(gw);
      const path = surface === "direct" ? "/mcp/fixture" : transport === "sse" ? "/sse" : "/mcp";
      const url = new URL(path, gw.http.url);
      const client = new Client({ name: "one-path", version: "1" });
      const clientTransport: Transport =
        transport === "sse" ? new SSEClientTransport(url) : new StreamableHTTPClientTransport(url);
      await client.connect(clientTransport);
      const before = await requestCounts(gw.http.url);
      expect(Object.keys(before)).toEqual(["call", "read", "get"]);
      await useEverything(client, surface);
      const after = await requestCounts(gw.http.url);
      expect(after).toEqual({
        call: 1 + (before.call ?? 0),
        read: 1 + (before.read ?? 0),
        get: 1 + (before.get ?? 0),
      });
      await client.close();
    });
  }

  for (const surface of ["meta", "transparent"] as const) {
    test(`${surface} over stdio: a call, a read and a get each write one log line`, async () => {
      const dir = tempDir();
      const config = join(dir, "gateway.yaml");
      await Bun.write(config, yaml(`meta_mcp: { enabled: ${surface === "meta"} }`));
      const transport = new StdioClientTransport({
        command: BUN,
        args: [ENTRY, "serve", "--stdio", "--config", config, "--log-format", "json", "--log-level", "info"],
        env: childEnv(),
        stderr: "pipe",
      });
      let stderr = "";
      transport.stderr?.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const client = new Client({ name: "one-path", version: "1" });
      await client.connect(transport);
      try {
        await useEverything(client, surface);
        const lines = stderr
          .split("\n")
          .filter((l) => l.startsWith("{"))
          .map((l) => JSON.parse(l) as Record<string, unknown>)
          .filter((l) => l.backend === "fixture" && l.outcome === "success");
        expect(lines.map((l) => l.tool ?? l.method).sort()).toEqual([
          "count_calls",
          "prompts/get",
          "resources/read",
        ]);
        for (const line of lines) expect(line.principal).toBe("anonymous");
      } finally {
        await client.close();
      }
    });
  }
});

/**
 * The fixture behind an in-process gateway whose clock never moves (rate buckets never refill, breakers
 * never reset), with failsafe settings of the test's own, and an SDK client on `path`.
 */
async function frozenClockGateway(failsafe: string, path: string, backendExtra = "") {
  const { config } = parseConfig(
    `${yaml()}${backendExtra}`.replace("failsafe: { rate_limit: { enabled: false } }", failsafe),
    { file: "t.yaml" },
  );
  const gw = new InProcessGateway(config, { now: () => 1_000_000 });
  gw.start({ tickMs: 0 });
  await gw.ready;
  const http = startHttpFrontEnd(gw.gateway, { host: "127.0.0.1", port: 0, surface: { kind: "meta" } });
  const client = new Client({ name: "one-path", version: "1" });
  await client.connect(new StreamableHTTPClientTransport(new URL(path, http.url)));
  return {
    gw,
    client,
    stop: async (): Promise<void> => {
      await client.close();
      await http.stop();
      await gw.stop();
    },
  };
}

describe("the failsafes apply to reads and gets as to calls", () => {
  for (const surface of ["meta", "direct"] as const) {
    test(`${surface}: the rate limit counts a call, a read and a get, and refuses the next read`, async () => {
      // A clock that never moves: the bucket never refills.
      const { client, stop } = await frozenClockGateway(
        "failsafe: { retry: { enabled: false }, rate_limit: { requests_per_second: 1, burst: 3 } }",
        surface === "direct" ? "/mcp/fixture" : "/mcp",
      );
      try {
        await useEverything(client, surface);
        const refused = await client.readResource({ uri: "test://item/0002" }).catch((e: Error) => e);
        expect(refused).toBeInstanceOf(Error);
        expect(String(refused)).toMatch(/rate limit/i);
      } finally {
        await stop();
      }
    });
  }

  test("an open breaker refuses a resource read fast, without reaching the backend", async () => {
    const { gw, client, stop } = await frozenClockGateway(
      "failsafe: { rate_limit: { enabled: false }, retry: { enabled: false }, circuit_breaker: { failure_threshold: 2, reset_timeout: 30s } }",
      "/mcp/fixture",
      "    timeout: 200ms\n",
    );
    try {
      // Two calls that time out open the breaker (an answered error would not: the backend is up).
      for (let i = 0; i < 2; i++) {
        const result = await client.request({ method: "tools/call", params: { name: "hang" } }, RawResult);
        expect(JSON.stringify(result)).toMatch(/did not answer|timed out|timeout/i);
      }
      expect(gw.core.policy("fixture").circuitState).toBe("open");
      const refused = await client.readResource({ uri: "test://item/0001" }).catch((e: Error) => e);
      expect(String(refused)).toMatch(/circuit/i);
    } finally {
      await stop();
    }
  });
});

describe("/mcp/{backend} relays what the backend would answer", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway(yaml());
  });
  afterAll(async () => {
    await gw?.stop();
  });

  test("a tool the backend did not list reaches the backend, whose own error comes back unchanged", async () => {
    const client = new Client({ name: "one-path", version: "1" });
    await client.connect(new StreamableHTTPClientTransport(new URL("/mcp/fixture", gw.http.url)));
    const direct = await client
      .request({ method: "tools/call", params: { name: "not_listed_anywhere", arguments: {} } }, RawResult)
      .catch((e: Error & { code?: number }) => e);
    expect(direct).toBeInstanceOf(Error);
    // The fixture's own wording ("Unknown tool: …"), not the gateway's did-you-mean.
    expect(String(direct)).toContain("Unknown tool: not_listed_anywhere");
    const counted = await (await fetch(new URL("/metrics", gw.http.url))).text();
    expect(counted).toContain('tool="not_listed_anywhere"');
    await client.close();
  });

  test("the meta surface keeps its did-you-mean for an unlisted tool, without calling the backend", async () => {
    const client = new Client({ name: "one-path", version: "1" });
    await client.connect(new StreamableHTTPClientTransport(gw.mcpUrl));
    const result = await client.request(
      {
        method: "tools/call",
        params: { name: "gateway_invoke", arguments: { server: "fixture", tool: "count_call" } },
      },
      RawResult,
    );
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result)).toContain('Did you mean \\"count_calls\\"');
    await client.close();
  });
});

describe("/health and /metrics refuse what /mcp refuses", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway("capabilities: { enabled: false }\n");
  });
  afterAll(async () => {
    await gw?.stop();
  });

  for (const path of ["/health", "/metrics", "/mcp"]) {
    test(`${path}: a foreign Origin is 403, a foreign Host is 403, no Host is 400`, async () => {
      const url = new URL(path, gw.http.url);
      const origin = await fetch(url, { headers: { origin: "http://evil.example" } });
      expect(origin.status).toBe(403);
      const host = await fetch(url, { headers: { host: "evil.example" } });
      expect(host.status).toBe(403);
      expect(await host.text()).toContain("loopback");
      // HTTP/1.0 without Host, written by hand (fetch always sends one).
      const raw = await rawExchange(Number(gw.http.url.port), `GET ${path} HTTP/1.0\r\n\r\n`);
      expect(raw.split("\r\n")[0]).toContain("400");
    });
  }

  test("a loopback Origin and Host are served", async () => {
    const res = await fetch(new URL("/health", gw.http.url), {
      headers: { origin: "http://localhost:3000" },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { status: string }).status).toBe("ok");
  });
});

describe("official conformance through /mcp/{backend} against server-everything", () => {
  let everything: HttpServerProcess;
  let gw: TestGateway;
  beforeAll(async () => {
    everything = await startEverythingHttp("streamableHttp");
    gw = await startTestGateway(`capabilities: { enabled: false }
backends:
  everything:
    http_url: "${everything.url.href}"
    transport: streamable-http
`);
  });
  afterAll(async () => {
    await gw?.stop();
    await everything?.stop();
  });

  const run = (url: string, scenario: string): Promise<ConformanceRun> =>
    runConformance(["server", "--url", url, "--scenario", scenario]);

  for (const scenario of ["tools-call-simple-text", "tools-call-error"]) {
    test(`${scenario}: passes directly and through the gateway`, async () => {
      const direct = await run(everything.url.href, scenario);
      expect(failingScenarios(direct)).toEqual([]);
      const relayed = await run(new URL("/mcp/everything", gw.http.url).href, scenario);
      expect(failingScenarios(relayed)).toEqual([]);
    }, 120_000);
  }
});
