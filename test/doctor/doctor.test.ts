import { afterAll, describe, expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { checkConfig, checkPort } from "../../src/doctor/checks.ts";
import { formatText, passed } from "../../src/doctor/report.ts";
import { runCli } from "../cli/run.ts";
import { tempDir } from "../helpers/gateway.ts";
import { serverCommand } from "../helpers/paths.ts";

const dir = tempDir("mcp-gateway-doctor-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function config(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe("doctor (CLI)", () => {
  test("starts each backend, reports tools and time, exits 0 when all is well", async () => {
    const path = config(
      "good.yaml",
      `server:\n  port: 0\nbackends:\n  memory:\n    command: '${serverCommand("memory")}'\n    env:\n      MEMORY_FILE_PATH: "${join(dir, "m.jsonl")}"\n`,
    );
    const run = await runCli(["doctor", "--config", path]);
    expect(run.stdout).toMatch(/^✓ config .*good\.yaml is valid \(1 backend\)$/m);
    expect(run.stdout).toMatch(/^✓ backend memory: 9 tools in \d+ ms \(stdio\)$/m);
    expect(run.code).toBe(0);
  });

  test("reports a missing command, an unset variable and a dead backend with ✗ and exits 1", async () => {
    const path = config(
      "bad.yaml",
      [
        "server:",
        "  port: 0",
        "backends:",
        "  ghost:",
        '    command: "no-such-program-anywhere --flag"',
        "  secretive:",
        `    command: '${serverCommand("memory")}'`,
        "    env:",
        '      API_TOKEN: "${DOCTOR_TEST_UNSET_TOKEN}"',
        `      MEMORY_FILE_PATH: "${join(dir, "m2.jsonl")}"`,
        "  crashes:",
        `    command: "sh -c 'exit 3'"`,
        "",
      ].join("\n"),
    );
    const run = await runCli(["doctor", "--config", path]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^✗ backend ghost: command "no-such-program-anywhere" not found on PATH$/m);
    expect(run.stdout).toMatch(
      /^✗ env +\$\{DOCTOR_TEST_UNSET_TOKEN\} is not set \(used by backends\.secretive\.env\.API_TOKEN\)/m,
    );
    expect(run.stdout).toMatch(/^✗ backend crashes: .*\(after \d+ ms\)$/m);
    // Its variable is unset: not started with an empty token, but skipped and named.
    expect(run.stdout).toMatch(
      /^- backend secretive: not started until \$\{DOCTOR_TEST_UNSET_TOKEN\} is set$/m,
    );
    expect(run.stdout).toMatch(/^3 problems found$/m);
  });

  test("the problem count matches the problems listed, each of an invalid config included", async () => {
    const path = config("three.yaml", "server:\n  prot: 1\n  hots: x\nbackends:\n  a: {}\n");
    const run = await runCli(["doctor", "--config", path]);
    const listed = run.stdout.split("\n").filter((l) => l.startsWith("            ")).length;
    expect(listed).toBe(3);
    expect(run.stdout).toMatch(/^3 problems found$/m);
  });

  test("--json gives every check as data", async () => {
    const path = config("typo.yaml", "server:\n  prot: 1\n");
    const run = await runCli(["doctor", "--config", path, "--json"]);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as {
      ok: boolean;
      checks: { kind: string; status: string; details?: string[] }[];
    };
    expect(report.ok).toBe(false);
    expect(report.checks[0]).toMatchObject({ kind: "config", status: "fail" });
    expect(report.checks[0]?.details?.[0]).toMatch(/typo\.yaml:2:3: unknown key "prot".*did you mean "port"/);
    expect(run.stderr).toBe("");
  });

  test("a missing config file fails and points at init", async () => {
    const run = await runCli(["doctor", "--config", join(dir, "absent.yaml")]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("mcp-gateway init");
  });
});

describe("checks", () => {
  test("a port held by another program fails, a free one passes", async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const busy = await checkPort("127.0.0.1", port, {
        fetch: (async () => new Response("nope")) as unknown as typeof fetch,
      });
      expect(busy).toMatchObject({ status: "fail" });
      expect(busy.message).toContain("in use");
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
    expect((await checkPort("127.0.0.1", port)).status).toBe("ok");
  });

  test("a port held by a running mcp-gateway is fine", async () => {
    const server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: () => Response.json({ status: "ok", version: "1.2.3", backends: {} }),
    });
    try {
      const result = await checkPort("127.0.0.1", server.port ?? 0);
      expect(result).toMatchObject({ status: "ok" });
      expect(result.message).toContain("mcp-gateway 1.2.3 is running");
    } finally {
      await server.stop(true);
    }
  });

  test("every unset variable is reported once with all the places using it", () => {
    const path = config(
      "vars.yaml",
      'backends:\n  a:\n    command: "x ${ONE}"\n    env:\n      K: "${ONE}"\n      L: "${TWO:-fine}"\n',
    );
    const findings = checkConfig({ flag: path, env: {} });
    const env = findings.results.filter((r) => r.kind === "env");
    expect(env.map((r) => r.subject)).toEqual(["ONE"]);
    expect(env[0]?.message).toContain("backends.a.command, backends.a.env.K");
    expect(findings.config).toBeDefined();
    expect(passed(findings.results)).toBe(false);
    expect(formatText(findings.results)).toContain("✗ env");
  });
});
