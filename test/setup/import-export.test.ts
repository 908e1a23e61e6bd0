import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { parse } from "jsonc-parser";
import { parseConfig } from "../../src/config/load.ts";
import { clientEntry, writeClientEntry } from "../../src/setup/export.ts";
import { planImport } from "../../src/setup/import.ts";
import type { ImportedServer } from "../../src/setup/read-client.ts";
import { runCli } from "../cli/run.ts";
import { tempDir } from "../helpers/gateway.ts";
import { BUN, ENTRY, serverCommand } from "../helpers/paths.ts";
import { childEnv } from "../helpers/process.ts";

const dir = tempDir("mcp-gateway-setup-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function server(
  name: string,
  backend: Record<string, unknown>,
  client: ImportedServer["client"] = "cursor",
): ImportedServer {
  return { name, client, file: "/x", backend, notes: [] };
}

describe("import into gateway.yaml", () => {
  test("keeps the existing file's comments and renames clashing names after the client", () => {
    const existing = "# mine\nbackends:\n  memory:\n    command: mem # keep me\n";
    const plan = planImport(
      [
        server("memory", { command: "other-mem" }, "zed"),
        server("memory", { command: "mem" }),
        server("web app", { http_url: "http://127.0.0.1:1/mcp" }),
      ],
      { existing, file: "g.yaml" },
    );
    expect(plan.text).toContain("# mine");
    expect(plan.text).toContain("command: mem # keep me");
    expect(plan.added.map((a) => a.name)).toEqual(["memory-zed", "web-app"]);
    expect(plan.unchanged).toEqual(["memory"]);
    const { config } = parseConfig(plan.text, { file: "g.yaml", env: {} });
    expect(Object.keys(config.backends)).toEqual(["memory", "memory-zed", "web-app"]);
  });

  test("masks env and header values in the printable copy, keeping ${VAR} references", () => {
    const plan = planImport(
      [server("gh", { command: "gh", env: { TOKEN: "ghp_secret", OTHER: "${OTHER}" } })],
      {
        existing: undefined,
        file: "g.yaml",
      },
    );
    // The secret moves to the env file beside gateway.yaml; the config names it.
    expect(plan.text).not.toContain("ghp_secret");
    expect(plan.text).toContain("TOKEN: ${TOKEN}");
    expect(plan.secrets).toEqual({ TOKEN: "ghp_secret" });
    expect(plan.envFile).toBe("g.env");
    expect(plan.maskedText).not.toContain("ghp_secret");
    expect(plan.maskedText).toContain("${OTHER}");
  });
});

describe("setup writes the gateway into a client config", () => {
  test("each client gets its own entry shape", () => {
    const http = { kind: "http", url: "http://127.0.0.1:39400/mcp" } as const;
    expect(clientEntry("claude-code", http)).toEqual({ type: "http", url: http.url });
    expect(clientEntry("vscode", http)).toEqual({ type: "http", url: http.url });
    expect(clientEntry("cursor", http)).toEqual({ url: http.url });
    expect(clientEntry("windsurf", http)).toEqual({ serverUrl: http.url });
    expect(() => clientEntry("claude-desktop", http)).toThrow(/--stdio/);
    const stdio = { kind: "stdio", command: "mcp-gateway", args: ["serve", "--stdio"] } as const;
    expect(clientEntry("claude-desktop", stdio)).toEqual({
      command: "mcp-gateway",
      args: ["serve", "--stdio"],
    });
    expect(clientEntry("zed", stdio)).toMatchObject({ source: "custom", command: "mcp-gateway" });
  });

  test("edits JSONC in place: comments survive, a backup is made, --dry-run writes nothing", () => {
    const file = join(dir, "zed", "settings.json");
    mkdirSync(join(dir, "zed"), { recursive: true });
    const original = '// my settings\n{\n  "theme": "One Dark", // favourite\n}\n';
    writeFileSync(file, original);
    const link = { kind: "stdio", command: "mcp-gateway", args: ["serve", "--stdio"] } as const;
    const dry = writeClientEntry("zed", { file, name: "gw", link, dryRun: true });
    expect(readFileSync(file, "utf8")).toBe(original);
    expect(dry.text).toContain('"context_servers"');
    const done = writeClientEntry("zed", {
      file,
      name: "gw",
      link,
      dryRun: false,
      now: () => new Date("2026-01-02T03:04:05Z"),
    });
    expect(done.backup).toBe(`${file}.20260102-030405.bak`);
    expect(readFileSync(done.backup ?? "", "utf8")).toBe(original);
    const text = readFileSync(file, "utf8");
    expect(text).toContain("// my settings");
    expect(text).toContain("// favourite");
    expect(parse(text).context_servers.gw.command).toBe("mcp-gateway");
  });

  test("creates a missing config file (and its folder) without a backup", () => {
    const file = join(dir, "new", ".cursor", "mcp.json");
    const result = writeClientEntry("cursor", {
      file,
      name: "gw",
      link: { kind: "http", url: "http://127.0.0.1:1/mcp" },
      dryRun: false,
    });
    expect(result).toMatchObject({ created: true, backup: undefined });
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({
      mcpServers: { gw: { url: "http://127.0.0.1:1/mcp" } },
    });
  });
});

describe("CLI round trip with a fake home", () => {
  const home = join(dir, "home");
  const project = join(dir, "project");
  mkdirSync(join(home, ".cursor"), { recursive: true });
  mkdirSync(project, { recursive: true });
  const env = { HOME: home, XDG_CONFIG_HOME: join(home, ".config"), APPDATA: join(home, "AppData") };
  writeFileSync(
    join(home, ".cursor", "mcp.json"),
    JSON.stringify({
      mcpServers: {
        memory: {
          command: serverCommand("memory").replaceAll('"', ""),
          env: { MEMORY_FILE_PATH: join(dir, "m.jsonl") },
        },
      },
    }),
  );

  test("import --dry-run prints the config and writes nothing; import writes it", async () => {
    const dry = await runCli(["import", "--dry-run"], { env, cwd: project });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain("memory:");
    expect(dry.stderr).toContain("would add 1 server");
    expect(existsSync(join(project, "gateway.yaml"))).toBe(false);
    const real = await runCli(["import", "cursor"], { env, cwd: project });
    expect(real.code).toBe(0);
    expect(real.stdout).toContain("+ memory  (Cursor:");
    const again = await runCli(["import", "cursor"], { env, cwd: project });
    expect(again.stdout).toContain("added 0 servers");
    expect(readdirSync(project).filter((f) => f.endsWith(".bak"))).toEqual([]);
  });

  test("setup claude-desktop --stdio writes an entry that really starts the gateway", async () => {
    const run = await runCli(["setup", "claude-desktop", "--config", join(project, "gateway.yaml")], {
      env,
      cwd: project,
    });
    expect(run.code).toBe(0);
    const file = join(home, ".config", "Claude", "claude_desktop_config.json");
    const entry = JSON.parse(readFileSync(file, "utf8")).mcpServers["mcp-gateway"] as {
      command: string;
      args: string[];
    };
    // From source: bun and this checkout's entry, by absolute path (GUI apps lack the shell's PATH).
    expect(entry.command).toBe(BUN);
    expect(entry.args).toEqual([ENTRY, "serve", "--stdio", "--config", join(project, "gateway.yaml")]);
    // Launch it as Claude Desktop would: exactly the command and args written.
    const client = new Client({ name: "claude-desktop-stand-in", version: "1" });
    await client.connect(
      new StdioClientTransport({
        command: entry.command,
        args: entry.args,
        env: childEnv(env),
        stderr: "ignore",
      }),
    );
    try {
      const result = await client.callTool({ name: "gateway_list_servers", arguments: {} });
      expect(JSON.stringify(result.structuredContent)).toContain('"name":"memory"');
    } finally {
      await client.close();
    }
  });

  test("setup cursor points at the configured port; an unknown client gets a suggestion", async () => {
    writeFileSync(join(project, "other.yaml"), "server:\n  port: 41234\n");
    const run = await runCli(["setup", "cursor", "-c", join(project, "other.yaml")], { env, cwd: project });
    expect(run.code).toBe(0);
    const config = JSON.parse(readFileSync(join(home, ".cursor", "mcp.json"), "utf8"));
    expect(config.mcpServers["mcp-gateway"]).toEqual({ url: "http://127.0.0.1:41234/mcp" });
    expect(config.mcpServers.memory).toBeDefined();
    const bad = await runCli(["setup", "cursr"], { env, cwd: project });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('did you mean "cursor"');
  });
});
