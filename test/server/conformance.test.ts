import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { explain, runConformance } from "../helpers/conformance.ts";
import { startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { BUN, ROOT, serverCommand } from "../helpers/paths.ts";

// The official MCP conformance suite (pinned devDependency) against the gateway's own /mcp.
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
      const run = await runConformance(["server", "--url", gw.mcpUrl.href, "--scenario", scenario]);
      if (run.code !== 0) console.error(explain(run));
      expect(run.summary).toBeDefined();
      expect(run.summary?.passed).toBeGreaterThan(0);
      expect(run.summary?.passed).toBe(run.summary?.total as number);
      expect(run.summary?.failed).toBe(0);
      expect(run.code).toBe(0);
    });
  }
});

describe("official conformance suite against the gateway's upstream client", () => {
  // The suite starts its own test server and runs the wrapper with that URL; the wrapper makes one
  // gateway_invoke through a real gateway whose only backend is the suite's server.
  const WRAPPER = join(ROOT, "test/fixtures/conformance-client.ts");
  for (const scenario of ["initialize", "tools_call", "sse-retry"]) {
    test(`passes client scenario ${scenario}`, async () => {
      const run = await runConformance(["client", "--command", `${BUN} ${WRAPPER}`, "--scenario", scenario], {
        cwd: ROOT,
      });
      if (run.code !== 0) console.error(explain(run));
      expect(run.summary).toBeDefined();
      expect(run.summary?.passed).toBe(run.summary?.total as number);
      expect(run.summary?.failed).toBe(0);
      expect(run.code).toBe(0);
    });
  }
});
