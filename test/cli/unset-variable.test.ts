import { afterAll, expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connectHttp, tempDir } from "../helpers/gateway.ts";
import { serverCommand } from "../helpers/paths.ts";
import { spawnGateway, waitFor } from "../helpers/process.ts";
import { runCli } from "./run.ts";

// One backend's token is not set (as after importing VS Code's ${input:pat}): that backend is reported and
// skipped, the rest serve, and commands that only read the config keep working.
const dir = tempDir("mcp-gateway-unset-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const config = join(dir, "gateway.yaml");
writeFileSync(
  config,
  `capabilities:\n  enabled: false\nbackends:\n  everything:\n    command: '${serverCommand("everything", "stdio")}'\n` +
    `  github:\n    command: "npx -y @modelcontextprotocol/server-github"\n    env:\n      GITHUB_PERSONAL_ACCESS_TOKEN: "\${UNSET_PAT_FOR_TEST}"\n`,
);

test("serve skips the backend with an unset variable and serves the others", async () => {
  const gateway = await spawnGateway(["--config", config]);
  try {
    expect(gateway.stderr()).toContain('backend "github" is not started: ${UNSET_PAT_FOR_TEST} is not set');
    type Health = { status: string; backends: Record<string, { status: string; last_error: string | null }> };
    const read = async (): Promise<Health> =>
      (await (await fetch(new URL("/health", gateway.url))).json()) as Health;
    // "starting" until everything's first start settles.
    const health = await waitFor("warm-up to end", async () => {
      const h = await read();
      return h.status === "starting" ? undefined : h;
    });
    expect(health.status).toBe("degraded");
    expect(health.backends.github?.status).toBe("error");
    expect(health.backends.github?.last_error).toContain("${UNSET_PAT_FOR_TEST} is not set");
    const client = await connectHttp(new URL("/mcp", gateway.url));
    const echo = await client.callTool({
      name: "gateway_invoke",
      arguments: { server: "everything", tool: "echo", arguments: { message: "still here" } },
    });
    expect(echo.content).toEqual([{ type: "text", text: "Echo: still here" }]);
    const call = await client.callTool({
      name: "gateway_invoke",
      arguments: { server: "github", tool: "search_repositories", arguments: {} },
    });
    expect(call.isError).toBe(true);
    expect(JSON.stringify(call.content)).toContain("UNSET_PAT_FOR_TEST");
    await client.close();
    const servers = await runCli(["servers", "--url", new URL("/mcp", gateway.url).href]);
    expect(servers.stdout).toMatch(/^github +error +stdio +0 +error: not started: \$\{UNSET_PAT_FOR_TEST\}/m);
  } finally {
    gateway.proc.kill("SIGTERM");
    await gateway.proc.exited;
  }
});

test("setup --dry-run and doctor still work; doctor names the variable and skips the backend", async () => {
  const setup = await runCli([
    "setup",
    "cursor",
    "--config",
    config,
    "--dry-run",
    "--file",
    join(dir, "c.json"),
  ]);
  expect(setup.code).toBe(0);
  const doctor = await runCli(["doctor", "--config", config, "--json"]);
  const checks = (
    JSON.parse(doctor.stdout) as { checks: { kind: string; subject: string; status: string }[] }
  ).checks;
  expect(checks).toContainEqual(
    expect.objectContaining({ kind: "env", subject: "UNSET_PAT_FOR_TEST", status: "fail" }),
  );
  expect(checks).toContainEqual(
    expect.objectContaining({ kind: "backend", subject: "github", status: "skip" }),
  );
  expect(checks).toContainEqual(
    expect.objectContaining({ kind: "backend", subject: "everything", status: "ok" }),
  );
  expect(doctor.code).toBe(1);
});

test("an unset variable outside backends still refuses the config", async () => {
  const bad = join(dir, "bad.yaml");
  writeFileSync(bad, "server:\n  host: ${UNSET_HOST_FOR_TEST}\nbackends: {}\n");
  const run = await runCli(["servers", "--config", bad]);
  expect(run.code).toBe(2);
  expect(run.stderr).toContain("UNSET_HOST_FOR_TEST is not set");
});
