import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { runCli } from "../cli/run.ts";
import { startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { freePort } from "../helpers/http-servers.ts";

describe("mcp-gateway ui", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway("backends: {}\n");
  });
  afterAll(async () => {
    await gw?.stop();
  });

  test("prints the dashboard URL of a running gateway", async () => {
    const run = await runCli(["ui", "--print", "--url", gw.http.url.href]);
    expect(run.stderr).toBe("");
    expect(run.stdout).toBe(`${new URL("/ui", gw.http.url).href}\n`);
    expect(run.code).toBe(0);
  });

  test("opens it with $BROWSER", async () => {
    const run = await runCli(["ui", "--url", gw.http.url.href], { env: { BROWSER: "true" } });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("/ui");
    expect(run.stderr).toBe("");
  });

  test("says how to start a gateway when none answers", async () => {
    const run = await runCli(["ui", "--print", "--url", `http://127.0.0.1:${freePort()}`]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("no gateway answers at http://127.0.0.1:");
    expect(run.stderr).toContain("mcp-gateway serve");
  });
});
