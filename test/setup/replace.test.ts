import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { parse } from "jsonc-parser";
import { runCli } from "../cli/run.ts";
import { tempDir } from "../helpers/gateway.ts";
import { serverCommand } from "../helpers/paths.ts";

// A user's machine: a temp HOME with client configs holding real servers and real-looking secrets.
const root = tempDir("mcp-gateway-replace-");
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
function home(): { home: string; env: Record<string, string> } {
  const dir = join(root, `home-${++n}`);
  mkdirSync(dir, { recursive: true });
  return { home: dir, env: { HOME: dir, XDG_CONFIG_HOME: join(dir, ".config"), MCP_GATEWAY_CONFIG: "" } };
}

const CURSOR = `{
  // my servers
  "mcpServers": {
    "everything": { "command": ${JSON.stringify(serverCommand("everything", "stdio").replace(/"/g, ""))} },
    "github": {
      "command": "npx",
      "args": ["-y", "@modelcontextprotocol/server-github"],
      "env": { "GITHUB_PERSONAL_ACCESS_TOKEN": "ghp_abcdefghijklmnopqrstuvwxyz0123456789", "LOG_LEVEL": "info" }
    },
    "notion": { "url": "https://mcp.notion.example/mcp", "headers": { "Authorization": "Bearer ntn_s3cr3t" } },
    "db": { "command": "npx", "args": ["-y", "pg-mcp", "postgresql://admin:hunter2@db.local/app"] }
  }
}
`;

describe("setup CLIENT --replace", () => {
  test("moves the client's servers into gateway.yaml with secrets in a 0600 env file; one command undoes it", async () => {
    const { home: dir, env } = home();
    const file = join(dir, ".cursor", "mcp.json");
    mkdirSync(join(dir, ".cursor"), { recursive: true });
    writeFileSync(file, CURSOR);
    const config = join(dir, "gateway.yaml");
    const run = await runCli(["setup", "cursor", "--replace", "--config", config], { env, cwd: dir });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      `moved 4 servers from ${file} into ${config}: everything, github, notion, db`,
    );
    expect(run.stdout).toContain("which now loads only the gateway");

    const client = parse(readFileSync(file, "utf8")) as { mcpServers: Record<string, unknown> };
    expect(Object.keys(client.mcpServers)).toEqual(["mcp-gateway"]);
    expect(readFileSync(file, "utf8")).toContain("// my servers");

    const yaml = readFileSync(config, "utf8");
    for (const secret of ["ghp_abc", "ntn_s3cr3t", "hunter2"]) expect(yaml).not.toContain(secret);
    expect(yaml).toContain("GITHUB_PERSONAL_ACCESS_TOKEN: ${GITHUB_PERSONAL_ACCESS_TOKEN}");
    expect(yaml).toContain("LOG_LEVEL: info"); // not a secret: stays readable
    expect(yaml).toContain("Bearer ${NOTION_AUTHORIZATION}");
    expect(yaml).toContain("postgresql://admin:${DB_PASSWORD}@db.local/app");
    const envFile = join(dir, "gateway.env");
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    const envText = readFileSync(envFile, "utf8");
    expect(envText).toContain("GITHUB_PERSONAL_ACCESS_TOKEN='ghp_abcdefghijklmnopqrstuvwxyz0123456789'");
    expect(envText).toContain("NOTION_AUTHORIZATION='ntn_s3cr3t'");
    expect(envText).toContain("DB_PASSWORD='hunter2'");

    // The gateway reads the env file: doctor finds no unset variable.
    const doctor = await runCli(["doctor", "--config", config, "--json", "--timeout", "0.001"], { env });
    const checks = (JSON.parse(doctor.stdout) as { checks: { kind: string }[] }).checks;
    expect(checks.filter((c) => c.kind === "env")).toEqual([]);

    const undo = /^undo: (cp .*?)\s{3}/m.exec(run.stdout)?.[1];
    expect(undo).toBeDefined();
    expect(Bun.spawnSync(["sh", "-c", undo ?? "false"]).exitCode).toBe(0);
    expect(readFileSync(file, "utf8")).toBe(CURSOR);
  });

  test("--dry-run says what would move and changes nothing", async () => {
    const { home: dir, env } = home();
    const file = join(dir, ".cursor", "mcp.json");
    mkdirSync(join(dir, ".cursor"), { recursive: true });
    writeFileSync(file, CURSOR);
    const run = await runCli(["setup", "cursor", "--replace", "--dry-run"], { env, cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("would move 4 servers");
    expect(run.stdout).toContain("and take out: everything, github, notion, db");
    expect(run.stdout).not.toContain("hunter2");
    expect(readFileSync(file, "utf8")).toBe(CURSOR);
    expect(existsSync(join(dir, "gateway.yaml"))).toBe(false);
    expect(existsSync(join(dir, "gateway.env"))).toBe(false);
  });
});

test("a GUI client gets the absolute command of the running gateway", async () => {
  const { home: dir, env } = home();
  const config = join(dir, "gateway.yaml");
  writeFileSync(config, "backends: {}\n");
  const run = await runCli(["setup", "claude-desktop", "--config", config], { env, cwd: dir });
  expect(run.code).toBe(0);
  const file = join(dir, ".config", "Claude", "claude_desktop_config.json");
  const entry = (
    parse(readFileSync(file, "utf8")) as { mcpServers: Record<string, { command: string; args: string[] }> }
  ).mcpServers["mcp-gateway"];
  expect(isAbsolute(entry?.command ?? "")).toBe(true);
  expect(existsSync(entry?.command ?? "")).toBe(true);
  expect(entry?.args.slice(-4)).toEqual(["serve", "--stdio", "--config", config]);
  // The npm launcher's own path wins when it started us.
  const viaLauncher = await runCli(["setup", "claude-desktop", "--config", config, "--dry-run"], {
    env: { ...env, MCP_GATEWAY_LAUNCHER: "/opt/npm/bin/mcp-gateway" },
    cwd: dir,
  });
  expect(viaLauncher.stdout).toContain('"command": "/opt/npm/bin/mcp-gateway"');
});

test("import: ${workspaceFolder} of a user-level VS Code config becomes a variable to set, not a home path", async () => {
  const { home: dir, env } = home();
  const file = join(dir, ".config", "Code", "User", "mcp.json");
  mkdirSync(join(dir, ".config", "Code", "User"), { recursive: true });
  writeFileSync(file, '{ "servers": { "fs": { "command": "fs-mcp", "args": ["${workspaceFolder}"] } } }');
  const run = await runCli(["import", "vscode", "--dry-run"], { env, cwd: dir });
  expect(run.code).toBe(0);
  expect(run.stdout).toContain("${WORKSPACE_FOLDER}");
  expect(run.stderr).toContain("names no one folder");
});
