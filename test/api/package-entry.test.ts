import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
// The package's own name: resolved through package.json "exports", as a user's project resolves it.
import {
  callContext,
  Gateway,
  type GatewayConfig,
  isGatewayError,
  loadConfig,
  parseConfig,
} from "mcp-gateway";
import { tempDir } from "../helpers/gateway.ts";
import { ROOT, serverCommand } from "../helpers/paths.ts";

let gateway: Gateway;
let config: GatewayConfig;

beforeAll(async () => {
  const dir = tempDir("mcp-gateway-api-");
  const path = join(dir, "gateway.yaml");
  await Bun.write(
    path,
    `backends:
  everything:
    command: '${serverCommand("everything", "stdio")}'
lifecycle:
  cache_dir: '${join(dir, "cache")}'
`,
  );
  // The README's example, as written there.
  config = loadConfig(path);
  gateway = Gateway.fromConfig(config);
  gateway.start();
  await gateway.ready;
});

afterAll(async () => {
  await gateway?.stop();
});

describe('the package entry (import from "mcp-gateway")', () => {
  test("package.json exports point at src/index.ts", async () => {
    const pkg = (await Bun.file(join(ROOT, "package.json")).json()) as {
      exports: Record<string, Record<string, string>>;
      types: string;
    };
    expect(pkg.exports["."]?.default).toBe("./src/index.ts");
    expect(pkg.types).toBe("./src/index.ts");
    expect(Bun.resolveSync("mcp-gateway", import.meta.dir)).toBe(join(ROOT, "src", "index.ts"));
  });

  test("starts a gateway on server-everything, invokes get-sum, lists and searches", async () => {
    const ctx = callContext();
    const result = await gateway.invoke(ctx, { server: "everything", tool: "get-sum" }, { a: 2, b: 40 });
    expect(JSON.stringify(result.content)).toContain("42");
    const servers = await gateway.listServers(ctx);
    expect(servers.map((s) => [s.name, s.status])).toContainEqual(["everything", "running"]);
    const { tools } = await gateway.listTools(ctx, { server: "everything" });
    expect(tools.map((t) => t.tool.name)).toContain("get-sum");
    const hits = await gateway.search(ctx, "add two numbers", 3);
    expect(hits.map((h) => h.tool.name)).toContain("get-sum");
  });

  test("errors are typed GatewayErrors with a code", async () => {
    const error = await gateway
      .invoke(callContext(), { server: "everything", tool: "get-summ" }, {})
      .catch((e: unknown) => e);
    expect(isGatewayError(error, "TOOL_NOT_FOUND")).toBe(true);
    expect(String(error)).toContain("get-sum");
  });

  test("a call is cancelled by its signal", async () => {
    const abort = new AbortController();
    const call = gateway.invoke(
      callContext({ signal: abort.signal }),
      { server: "everything", tool: "trigger-long-running-operation" },
      { duration: 30, steps: 30 },
    );
    const started = Date.now();
    setTimeout(() => abort.abort(), 200);
    const error = await call.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(String(error)).toMatch(/cancel|abort/i);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  test("parseConfig validates YAML text with file:line:col errors", () => {
    expect(parseConfig("server:\n  port: 0\n").server.port).toBe(0);
    expect(() => parseConfig("server:\n  prot: 1\n", { file: "mine.yaml" })).toThrow(/mine\.yaml:2/);
  });

  test("loadConfig applies MCP_GATEWAY_PORT over the file, and refuses a missing file", () => {
    const dir = tempDir();
    const path = join(dir, "gateway.yaml");
    writeFileSync(path, "server:\n  port: 1234\n");
    expect(loadConfig(path, { env: {} }).server.port).toBe(1234);
    expect(loadConfig(path, { env: { MCP_GATEWAY_PORT: "4321" } }).server.port).toBe(4321);
    expect(() => loadConfig(join(dir, "absent.yaml"))).toThrow();
  });
});
