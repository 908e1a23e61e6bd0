import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { maskSecrets } from "../../src/setup/backup.ts";
import { runCli } from "../cli/run.ts";
import { tempDir } from "../helpers/gateway.ts";

// Connection strings and flags as real database/API servers take them, each with its own password.
const SERVERS = {
  pg: { command: "npx", args: ["-y", "pg-mcp", "postgresql://user:pw-pg-1@db.local/app"] },
  dsnFlag: { command: "npx", args: ["pg-mcp", "--dsn=postgres://u:pw-flag-2@h:5432/db?sslmode=require"] },
  redis: { command: "npx", args: ["redis-mcp", "redis://:pw-redis-3@localhost:6379"] },
  query: { command: "npx", args: ["pg", "postgresql://host/db?user=u&password=pw-query-4"] },
  flag: { command: "npx", args: ["x", "--password", "pw-flag-5", "--api-key=pw-key-6"] },
  line: { command: "npx -y mysql-mcp mysql://root:pw-line-7@localhost/x" },
  envUrl: { command: "npx", args: ["x"], env: { DATABASE_URL: "postgres://u:pw-env-8@h/db" } },
  plain: {
    command: "npx",
    args: ["x", "--max-tokens", "100", "https://example.com/docs?page=2", "http://h:8080/a@b"],
  },
};
const PASSWORDS = [
  "pw-pg-1",
  "pw-flag-2",
  "pw-redis-3",
  "pw-query-4",
  "pw-flag-5",
  "pw-key-6",
  "pw-line-7",
  "pw-env-8",
];

const root = tempDir("mcp-gateway-dsn-");
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
function home(): { dir: string; env: Record<string, string> } {
  const dir = join(root, `home-${++n}`);
  mkdirSync(join(dir, ".cursor"), { recursive: true });
  writeFileSync(join(dir, ".cursor", "mcp.json"), JSON.stringify({ mcpServers: SERVERS }, null, 2));
  return { dir, env: { HOME: dir, XDG_CONFIG_HOME: join(dir, ".config"), MCP_GATEWAY_CONFIG: "" } };
}

describe("a password in a backend's args, command or env URL", () => {
  test("import --dry-run shows none of them, only ${VAR} references", async () => {
    const { dir, env } = home();
    const run = await runCli(["import", "cursor", "--dry-run", "--config", join(dir, "gateway.yaml")], {
      env,
      cwd: dir,
    });
    expect(run.code).toBe(0);
    for (const secret of PASSWORDS) {
      expect(run.stdout).not.toContain(secret);
      expect(run.stderr).not.toContain(secret);
    }
    expect(run.stdout).toContain("postgresql://user:${PG_PASSWORD}@db.local/app");
    expect(run.stdout).toContain("--dsn=postgres://u:${DSNFLAG_PASSWORD}@h:5432/db?sslmode=require");
    expect(run.stdout).toContain("redis://:${REDIS_PASSWORD}@localhost:6379");
    expect(run.stdout).toContain("postgresql://host/db?user=u&password=${QUERY_PASSWORD}");
    expect(run.stdout).toContain("- ${FLAG_PASSWORD}");
    expect(run.stdout).toContain("--api-key=${FLAG_API_KEY}");
    expect(run.stdout).toContain("mysql://root:${LINE_PASSWORD}@localhost/x");
    // What is no credential stays as it was.
    expect(run.stdout).toContain("- https://example.com/docs?page=2");
    expect(run.stdout).toContain("- http://h:8080/a@b");
    expect(run.stdout).toContain('- --max-tokens\n      - "100"');
    expect(run.stderr).toContain("would move 8 secrets");
  });

  test("import writes them to the 0600 env file only, and the gateway reads them back", async () => {
    const { dir, env } = home();
    const config = join(dir, "gateway.yaml");
    const run = await runCli(["import", "cursor", "--config", config], { env, cwd: dir });
    expect(run.code).toBe(0);
    for (const secret of PASSWORDS) expect(run.stdout + run.stderr).not.toContain(secret);
    const yaml = readFileSync(config, "utf8");
    for (const secret of PASSWORDS) expect(yaml).not.toContain(secret);
    expect(yaml).toContain("DATABASE_URL: postgres://u:${DATABASE_URL_PASSWORD}@h/db");
    const envFile = join(dir, "gateway.env");
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    const envText = readFileSync(envFile, "utf8");
    for (const secret of PASSWORDS) expect(envText).toContain(`'${secret}'`);

    // The gateway loads the env file with the config: no variable is left unset.
    const doctor = await runCli(["doctor", "--config", config, "--json", "--timeout", "0.001"], { env });
    const checks = (JSON.parse(doctor.stdout) as { checks: { kind: string }[] }).checks;
    expect(checks.filter((c) => c.kind === "env")).toEqual([]);
  });

  test("setup --replace --dry-run prints no password", async () => {
    const { dir, env } = home();
    const run = await runCli(["setup", "cursor", "--replace", "--dry-run"], { env, cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("would move 8 servers");
    for (const secret of PASSWORDS) expect(run.stdout + run.stderr).not.toContain(secret);
  });
});

test("the printable copy masks credentials that were not moved out", () => {
  const masked = maskSecrets({
    command: "srv --token abc123 postgres://u:p4ss@h/db",
    args: ["--password", "hunter2", "https://h/x?api_key=k3y&page=1"],
    http_url: "https://user:pw9@example.com/mcp?token=t0k",
    env: { A: "plain", B: "${B}" },
  });
  expect(masked).toEqual({
    command: "srv --token *** postgres://u:***@h/db",
    args: ["--password", "***", "https://h/x?api_key=***&page=1"],
    http_url: "https://user:***@example.com/mcp?token=***",
    env: { A: "***", B: "${B}" },
  });
});

test("${workspaceFolder} in a user-level VS Code config is a variable doctor asks for, never a home path", async () => {
  const dir = join(root, "vscode-home");
  mkdirSync(join(dir, ".config", "Code", "User"), { recursive: true });
  const env = { HOME: dir, XDG_CONFIG_HOME: join(dir, ".config"), MCP_GATEWAY_CONFIG: "" };
  writeFileSync(
    join(dir, ".config", "Code", "User", "mcp.json"),
    '{ "servers": { "fs": { "command": "fs-mcp", "args": ["${workspaceFolder}/src"] } } }',
  );
  const config = join(dir, "gateway.yaml");
  const run = await runCli(["import", "vscode", "--config", config], { env, cwd: dir });
  expect(run.code).toBe(0);
  expect(run.stdout).toContain("names no one folder: it became ${WORKSPACE_FOLDER}; set it");
  const yaml = readFileSync(config, "utf8");
  expect(yaml).toContain("${WORKSPACE_FOLDER}/src");
  expect(yaml).not.toContain(dir);
  const doctor = await runCli(["doctor", "--config", config, "--json", "--timeout", "0.001"], { env });
  expect(doctor.stdout).toContain("WORKSPACE_FOLDER");
});
