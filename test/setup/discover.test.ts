import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { parse } from "yaml";
import { confirm } from "../../src/cli/confirm.ts";
import { discoverServers } from "../../src/setup/discover.ts";
import { parsePorts } from "../../src/setup/discover-ports.ts";
import { echoThrough, runCli } from "../cli/run.ts";
import { tempDir } from "../helpers/gateway.ts";
import { freePort, type HttpServerProcess, startEverythingHttp } from "../helpers/http-servers.ts";
import { type GatewayProcess, spawnGateway } from "../helpers/process.ts";

// Real MCP servers on free loopback ports (server-everything over Streamable HTTP and over SSE, and a
// running mcp-gateway), beside things that are not MCP: a web server, a port that never answers, a closed
// port and an endless answer.
const dir = tempDir("mcp-gateway-discover-");
let http: HttpServerProcess;
let sse: HttpServerProcess;
let gateway: GatewayProcess;
let web: ReturnType<typeof Bun.serve>;
let hang: ReturnType<typeof Bun.serve>;
let endless: ReturnType<typeof Bun.serve>;
const hangAborted: Promise<void>[] = [];
let closed: number;

beforeAll(async () => {
  [http, sse] = await Promise.all([startEverythingHttp("streamableHttp"), startEverythingHttp("sse")]);
  writeFileSync(join(dir, "other-gateway.yaml"), "backends: {}\n");
  gateway = await spawnGateway(["--config", join(dir, "other-gateway.yaml")]);
  web = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: () => new Response("<h1>hi</h1>", { status: 404 }),
  });
  hang = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0,
    fetch: (request) => {
      // Never answers; records that the scanner gave up on the request.
      hangAborted.push(new Promise((resolve) => request.signal.addEventListener("abort", () => resolve())));
      return new Promise<Response>(() => undefined);
    },
  });
  endless = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0,
    fetch: () => {
      const chunk = new TextEncoder().encode(`data: ${"x".repeat(4096)}\n\n`);
      const body = new ReadableStream<Uint8Array>({ pull: (c) => c.enqueue(chunk) });
      return new Response(body, { headers: { "content-type": "text/event-stream" } });
    },
  });
  closed = freePort();
}, 60_000);

afterAll(async () => {
  await Promise.all([http.stop(), sse.stop()]);
  gateway.proc.kill("SIGTERM");
  await gateway.proc.exited;
  for (const server of [web, hang, endless]) server.stop(true);
  rmSync(dir, { recursive: true, force: true });
});

const portOf = (url: URL | string) => Number(new URL(url).port);

describe("discoverServers", () => {
  test("finds Streamable HTTP and SSE servers and a gateway; not a web page, a closed or a silent port", async () => {
    const ports = [http.port, sse.port, portOf(gateway.url), web.port as number, closed, hang.port as number];
    const report = await discoverServers({ ports, perPortMs: 1500 });
    expect(report.found.map((s) => [s.url, s.transport, s.gateway])).toEqual([
      [`http://127.0.0.1:${http.port}/mcp`, "streamable-http", false],
      [`http://127.0.0.1:${sse.port}/sse`, "sse", false],
      [`http://127.0.0.1:${portOf(gateway.url)}/mcp`, "streamable-http", true],
    ]);
    expect(report.found[0]).toMatchObject({ name: "mcp-servers/everything" });
    expect(report.found[0]?.tools).toBeGreaterThan(5);
    // The silent port was given up on, and its request aborted, not left open.
    expect(report.slow).toEqual([hang.port as number]);
    await Promise.all(hangAborted);
  });

  test("an answer without end is cut by its size, not left to run until the time is up", async () => {
    const report = await discoverServers({
      ports: [endless.port as number],
      perPortMs: 20_000,
      maxBytes: 64_000,
    });
    expect(report.found).toEqual([]);
    expect(report.slow).toEqual([]);
  });

  test("--ports takes lists and ranges, bounded; anything else is a usage error", () => {
    expect(parsePorts("3000, 8000-8002")).toEqual([3000, 8000, 8001, 8002]);
    expect(() => parsePorts("http")).toThrow('--ports: "http" is not a port or range');
    expect(() => parsePorts("0")).toThrow("is not a port or range");
    expect(() => parsePorts("9-3")).toThrow("is not a port or range");
    expect(() => parsePorts("1-65535")).toThrow("at most 256 ports per scan");
  });
});

describe("mcp-gateway import --discover", () => {
  const config = join(dir, "gateway.yaml");
  const ports = () => [http.port, sse.port, portOf(gateway.url), web.port, closed].join(",");

  test("without --yes and no terminal: prints what it found, writes nothing, says how", async () => {
    const run = await runCli(["import", "--discover", "--ports", ports(), "--config", config]);
    expect(run.code).toBe(0);
    expect(run.stdout).toStartWith("found 3 MCP servers (asked 127.0.0.1 ports ");
    expect(run.stdout).toContain(`http://127.0.0.1:${http.port}/mcp  mcp-servers/everything`);
    expect(run.stdout).toContain(`http://127.0.0.1:${sse.port}/sse  mcp-servers/everything`);
    expect(run.stdout).toMatch(/\(SSE, \d+ tools\)/);
    expect(run.stderr).toContain(`skipped http://127.0.0.1:${portOf(gateway.url)}/mcp: an mcp-gateway`);
    expect(run.stderr).toContain("nothing written: stdin is not a terminal; add --yes");
    expect(existsSync(config)).toBe(false);
  });

  test("--yes writes them as backends a gateway then serves; a second run adds nothing", async () => {
    const run = await runCli(["import", "--discover", "--ports", ports(), "--config", config, "--yes"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`added 2 servers to ${config}`);
    expect(run.stdout).toContain(`+ everything  (running at http://127.0.0.1:${http.port}/mcp)`);
    const written = parse(readFileSync(config, "utf8")) as { backends: Record<string, unknown> };
    expect(written.backends.everything).toEqual({
      http_url: `http://127.0.0.1:${http.port}/mcp`,
      transport: "streamable-http",
    });
    expect(written.backends["everything-local"]).toEqual({
      http_url: `http://127.0.0.1:${sse.port}/sse`,
      transport: "sse",
    });
    // The written config works: a gateway on it relays a call to the discovered SSE server.
    const served = await spawnGateway(["--config", config]);
    try {
      expect(await echoThrough(served.url, "everything-local", "found")).toEqual([
        { type: "text", text: "Echo: found" },
      ]);
    } finally {
      served.proc.kill("SIGTERM");
      await served.proc.exited;
    }
    const again = await runCli(["import", "--discover", "--ports", ports(), "--config", config, "--yes"]);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(
      `skipped http://127.0.0.1:${sse.port}/sse: already in ${config} as everything-local`,
    );
    expect(again.stdout).not.toContain("added");
  }, 60_000);

  test("--dry-run shows the resulting file and writes nothing", async () => {
    const other = join(dir, "dry.yaml");
    const run = await runCli([
      "import",
      "--discover",
      "--ports",
      String(http.port),
      "--config",
      other,
      "--dry-run",
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`http_url: http://127.0.0.1:${http.port}/mcp`);
    expect(run.stderr).toContain(`would add 1 server to ${other}`);
    expect(existsSync(other)).toBe(false);
  });

  test("usage errors: bad --ports, --ports or --yes without --discover, --discover with a client", async () => {
    const bad = await runCli(["import", "--discover", "--ports", "80-x"]);
    expect(bad).toMatchObject({ code: 2 });
    expect(bad.stderr).toContain('--ports: "80-x" is not a port or range');
    expect((await runCli(["import", "--ports", "3000"])).stderr).toContain("--ports goes with --discover");
    expect((await runCli(["import", "--yes"])).code).toBe(2);
    const client = await runCli(["import", "cursor", "--discover"]);
    expect(client.code).toBe(2);
    expect(client.stderr).toContain("--discover reads no client files");
  });

  test("nothing found: says which ports it asked, exit 0", async () => {
    const run = await runCli([
      "import",
      "--discover",
      "--ports",
      `${closed},${web.port}`,
      "--config",
      config,
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      `found 0 MCP servers (asked 127.0.0.1 ports ${closed}, ${web.port} in ${/in (\d+\.\d) s/.exec(run.stdout)?.[1]} s)\n`,
    );
  });
});

describe("confirm", () => {
  test("on a terminal only y/yes is yes; not a terminal gives no answer", async () => {
    const ask = async (typed: string) => {
      const input = Object.assign(new PassThrough(), { isTTY: true });
      const output = new PassThrough();
      const answer = confirm("add 2?", { input, output });
      input.end(typed);
      return answer;
    };
    expect(await ask("y\n")).toBe(true);
    expect(await ask("YES\n")).toBe(true);
    expect(await ask("\n")).toBe(false);
    expect(await ask("nope\n")).toBe(false);
    expect(await confirm("x", { input: Object.assign(new PassThrough(), { isTTY: false }) })).toBeUndefined();
  });
});
