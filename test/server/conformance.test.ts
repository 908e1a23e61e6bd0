import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { BUN, ROOT, serverCommand } from "../helpers/paths.ts";

// The official MCP conformance suite, pinned as a devDependency, run against the gateway's /mcp.
const CONFORMANCE = join(ROOT, "node_modules/@modelcontextprotocol/conformance/dist/index.js");
const SCENARIOS = [
  "server-initialize",
  "ping",
  "tools-list",
  "logging-set-level",
  "dns-rebinding-protection",
  "server-sse-multiple-streams",
];

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway(
    `backends:\n  everything:\n    command: '${serverCommand("everything", "stdio")}'\n`,
  );
});
afterAll(async () => {
  await gw?.stop();
});

describe("official conformance suite", () => {
  for (const scenario of SCENARIOS) {
    test(`passes ${scenario}`, async () => {
      const proc = Bun.spawn([BUN, CONFORMANCE, "server", "--url", gw.mcpUrl.href, "--scenario", scenario], {
        stdout: "pipe",
        stderr: "pipe",
        env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
      });
      const [code, out, err] = await Promise.all([
        proc.exited,
        new Response(proc.stdout).text(),
        new Response(proc.stderr).text(),
      ]);
      const summary = /Passed: (\d+)\/(\d+), (\d+) failed/.exec(out);
      if (!summary || code !== 0) console.error(out, err);
      expect(summary).not.toBeNull();
      expect(Number(summary?.[1])).toBeGreaterThan(0);
      expect(summary?.[1]).toBe(summary?.[2] as string);
      expect(summary?.[3]).toBe("0");
      expect(code).toBe(0);
    });
  }
});

describe("official conformance suite against the gateway's upstream client", () => {
  // The suite starts its own test server and runs the wrapper with that URL; the wrapper makes one
  // gateway_invoke through a real gateway whose only backend is the suite's server.
  const WRAPPER = join(ROOT, "test/fixtures/conformance-client.ts");
  for (const scenario of ["initialize", "tools_call", "sse-retry"]) {
    test(`passes client scenario ${scenario}`, async () => {
      const proc = Bun.spawn(
        [BUN, CONFORMANCE, "client", "--command", `${BUN} ${WRAPPER}`, "--scenario", scenario],
        {
          stdout: "pipe",
          stderr: "pipe",
          cwd: ROOT,
          env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
        },
      );
      const [code, out, err] = await Promise.all([
        proc.exited,
        new Response(proc.stdout).text(),
        new Response(proc.stderr).text(),
      ]);
      const summary = /Passed: (\d+)\/(\d+), (\d+) failed/.exec(`${out}\n${err}`);
      if (!summary || code !== 0) console.error(out, err);
      expect(summary).not.toBeNull();
      expect(summary?.[1]).toBe(summary?.[2] as string);
      expect(summary?.[3]).toBe("0");
      expect(code).toBe(0);
    });
  }
});
