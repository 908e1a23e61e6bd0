import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { AuditLog } from "../../src/auth/audit-log.ts";
import { addKey } from "../../src/auth/manage.ts";
import { tempDir } from "../helpers/gateway.ts";
import { serverCommand } from "../helpers/paths.ts";
import { type AuthGateway, connectWithKey, startAuthGateway, until } from "./helpers.ts";

const SECRET_ARGUMENT = "do-not-log-this-7f3a";
const ROOT = join(import.meta.dir, "..", "..");

let dir: string;
let gw: AuthGateway;
let client: Client;
let auditPath: string;

const invoke = (tool: string, args: Record<string, unknown>) =>
  client.callTool({ name: "gateway_invoke", arguments: { server: "everything", tool, arguments: args } });

function lines(path = auditPath): Record<string, unknown>[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

beforeAll(async () => {
  dir = tempDir("mcp-gateway-audit-");
  auditPath = join(dir, "audit.jsonl");
  gw = await startAuthGateway(
    `
auth:
  audit: { file: audit.jsonl }
  budget: { daily: 100, costs: { everything/get-sum: 500 } }
backends:
  everything:
    command: '${serverCommand("everything", "stdio")}'
`,
    { keysPath: join(dir, "gateway.keys.json"), auth: { budgetPath: join(dir, "budgets.json") } },
  );
  const key = await addKey(gw.keysPath, "auditor", { scopes: ["everything"] });
  gw.auth?.reloadKeys();
  client = await connectWithKey(new URL("/mcp", gw.url), key);
});
afterAll(async () => {
  await client?.close();
  await gw?.stop();
});

describe("audit log", () => {
  test("one JSON line per call, refused ones (a budget) too, never the arguments", async () => {
    expect((await invoke("echo", { message: SECRET_ARGUMENT })).isError).toBeFalsy();
    expect((await invoke("get-sum", { a: 1, b: 2 })).isError).toBe(true);
    await until(() => lines().length >= 2);
    const [ok, denied] = lines().slice(-2) as [Record<string, unknown>, Record<string, unknown>];
    expect(ok).toMatchObject({
      principal: "key:auditor",
      server: "everything",
      tool: "echo",
      outcome: "success",
    });
    expect(ok.session).toMatch(/^[0-9a-f]{8}$/);
    expect(ok.bytes as number).toBeGreaterThan(SECRET_ARGUMENT.length);
    expect(typeof ok.duration_ms).toBe("number");
    expect(Date.parse(ok.time as string)).toBeGreaterThan(Date.now() - 60_000);
    expect(denied).toMatchObject({ tool: "get-sum", outcome: "denied", bytes: 0 });
    expect(readFileSync(auditPath, "utf8")).not.toContain(SECRET_ARGUMENT);
    expect(statSync(auditPath).mode & 0o777).toBe(0o600);
  });

  test("audit tail prints the last lines; --follow prints new ones as calls are made", async () => {
    const config = join(dir, "gateway.yaml");
    writeFileSync(config, "auth:\n  audit: { file: audit.jsonl }\n");
    const tail = Bun.spawnSync(
      [process.execPath, "src/main.ts", "audit", "tail", "-n", "1", "--config", config],
      {
        cwd: ROOT,
        env: { ...process.env, NO_COLOR: "1" },
      },
    );
    expect(tail.exitCode).toBe(0);
    const printed = tail.stdout.toString().trim().split("\n");
    expect(printed.length).toBe(1);
    expect(JSON.parse(printed[0] as string)).toMatchObject({ tool: "get-sum", outcome: "denied" });

    const follow = Bun.spawn(
      [process.execPath, "src/main.ts", "audit", "tail", "-n", "0", "-f", "--config", config],
      {
        cwd: ROOT,
        stdout: "pipe",
        stderr: "pipe",
      },
    );
    // Wait until it follows (it says so on stderr), then make a call.
    const stderr = follow.stderr.getReader();
    await stderr.read();
    await invoke("echo", { message: "followed" });
    const reader = follow.stdout.getReader();
    const { value } = await reader.read();
    follow.kill("SIGINT");
    await follow.exited;
    expect(JSON.parse(new TextDecoder().decode(value).trim().split("\n")[0] as string)).toMatchObject({
      tool: "echo",
      outcome: "success",
    });
  });

  test("audit tail without an audit section names the fix; a bad -n is a usage error", () => {
    const config = join(dir, "plain.yaml");
    writeFileSync(config, "backends: {}\n");
    const run = (...args: string[]) =>
      Bun.spawnSync([process.execPath, "src/main.ts", "audit", "tail", "--config", config, ...args], {
        cwd: ROOT,
      });
    const off = run();
    expect(off.exitCode).toBe(2);
    expect(off.stderr.toString()).toContain("auth: { audit: {} }");
    expect(run("-n", "x").exitCode).toBe(2);
  });
});

describe("AuditLog rotation", () => {
  const record = (i: number) => ({
    time: Date.UTC(2026, 0, 1),
    principal: "key:a",
    session: "abcdef01",
    server: "s",
    kind: "tool" as const,
    name: `t${i}`,
    outcome: "success" as const,
    durationMs: 1,
    bytes: 10,
  });

  test("rotates by size, keeps `keep` files, never splits a line", () => {
    const path = join(tempDir("mcp-gateway-rotate-"), "audit.jsonl");
    const log = new AuditLog(path, { maxSize: 400, keep: 2 });
    for (let i = 0; i < 40; i++) {
      log.write(record(i));
      if (i % 3 === 0) log.flush();
    }
    log.close();
    for (const file of [path, `${path}.1`, `${path}.2`]) {
      expect(statSync(file).size).toBeLessThanOrEqual(400);
      for (const line of readFileSync(file, "utf8").split("\n").filter(Boolean)) JSON.parse(line);
    }
    expect(existsSync(`${path}.3`)).toBe(false);
    // The newest record is in the live file, the older ones in .1 then .2.
    expect(lines(path).at(-1)?.tool).toBe("t39");
    const number = (line: Record<string, unknown> | undefined) => Number(String(line?.tool).slice(1));
    expect(number(lines(`${path}.1`).at(-1))).toBeLessThan(number(lines(path)[0]));
  });
});
