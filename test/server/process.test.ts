import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { z } from "zod";
import { connectHttp, tempDir } from "../helpers/gateway.ts";
import { BUN, ENTRY, serverCommand } from "../helpers/paths.ts";
import { childEnv, isAlive, spawnGateway, waitFor } from "../helpers/process.ts";

function writeConfig(dir: string, body: string): string {
  const path = join(dir, "gateway.yaml");
  Bun.write(path, body);
  return path;
}

/** Children of a process, from /proc (Linux). */
async function descendants(pid: number): Promise<number[]> {
  const out = await Bun.$`ps -o pid= --ppid ${pid}`.nothrow().quiet().text();
  const kids = out
    .split("\n")
    .map((l) => Number(l.trim()))
    .filter((n) => n > 0);
  const nested = await Promise.all(kids.map((k) => descendants(k)));
  return [...kids, ...nested.flat()];
}

describe("gateway process", () => {
  test("SIGTERM stops every backend process (and their children), then exits 0", async () => {
    const dir = tempDir();
    // A shell wrapper stands in for `npx`: the real server runs as its child, in the same process group.
    const config = writeConfig(
      dir,
      `backends:
  everything:
    command: '${serverCommand("everything", "stdio")}'
  wrapped:
    command: "sh -c '${join(process.cwd(), "node_modules/.bin/mcp-server-memory")}; true'"
    env: { MEMORY_FILE_PATH: "${join(dir, "m.jsonl")}" }
`,
    );
    const gw = await spawnGateway(["--config", config]);
    const health = await waitFor("both backends running", async () => {
      const body = (await (await fetch(new URL("/health", gw.url))).json()) as {
        backends: Record<string, { status: string; pid?: number }>;
      };
      return Object.values(body.backends).every((b) => b.status === "running") ? body : undefined;
    });
    // Only process backends have a pid (the built-in capabilities backend has none).
    const leaders = Object.values(health.backends).flatMap((b) => (b.pid === undefined ? [] : [b.pid]));
    const all = [...leaders, ...(await Promise.all(leaders.map((p) => descendants(p)))).flat()];
    expect(all.length).toBeGreaterThan(2);
    expect(all.every(isAlive)).toBe(true);

    gw.proc.kill("SIGTERM");
    expect(await gw.proc.exited).toBe(0);
    await waitFor("backend processes gone", () => all.every((pid) => !isAlive(pid)) || undefined, 10_000);
    expect(all.filter(isAlive)).toEqual([]);
  });

  test("serves the meta-tools over stdio and exits when the client closes stdin", async () => {
    const dir = tempDir();
    const config = writeConfig(
      dir,
      `backends:\n  everything:\n    command: '${serverCommand("everything", "stdio")}'\n`,
    );
    const transport = new StdioClientTransport({
      command: BUN,
      args: [ENTRY, "--stdio", "--config", config, "--log-level", "warn"],
      env: childEnv(),
      stderr: "pipe",
    });
    const client = new Client({ name: "stdio-test", version: "1" }, { capabilities: {} });
    await client.connect(transport);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toContain("gateway_invoke");
    const result = await client.request(
      {
        method: "tools/call",
        params: {
          name: "gateway_invoke",
          arguments: { server: "everything", tool: "echo", arguments: { message: "over stdio" } },
        },
      },
      z.looseObject({}),
    );
    expect(JSON.stringify(result)).toContain("over stdio");
    const search = await client.request(
      {
        method: "tools/call",
        params: { name: "gateway_search_tools", arguments: { query: "add two numbers" } },
      },
      z.looseObject({}),
    );
    expect(JSON.stringify(search)).toContain("get-sum");
    const pid = transport.pid as number;
    await client.close();
    await waitFor("stdio gateway exit", () => !isAlive(pid) || undefined, 15_000);
  });

  test("--version prints the version on stdout and exits 0", async () => {
    const proc = Bun.spawn([BUN, ENTRY, "--version"], { stdout: "pipe", stderr: "pipe" });
    expect(await proc.exited).toBe(0);
    expect((await new Response(proc.stdout).text()).trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  test("a bad config exits 2 with the file:line:col of the mistake on stderr", async () => {
    const dir = tempDir();
    const config = writeConfig(dir, "server:\n  port: 1234\n  prot: 99\n");
    const proc = Bun.spawn([BUN, ENTRY, "--config", config], {
      stdout: "pipe",
      stderr: "pipe",
      env: childEnv(),
    });
    expect(await proc.exited).toBe(2);
    const stderr = await new Response(proc.stderr).text();
    expect(stderr).toContain(`${config}:3:3`);
    expect(stderr).toContain('unknown key "prot"');
    expect(stderr).toContain('did you mean "port"');
    expect(await new Response(proc.stdout).text()).toBe("");
  });

  test("an unknown flag exits 2 with a did-you-mean", async () => {
    const proc = Bun.spawn([BUN, ENTRY, "--prot", "1"], { stdout: "pipe", stderr: "pipe", env: childEnv() });
    expect(await proc.exited).toBe(2);
    expect(await new Response(proc.stderr).text()).toContain("--port");
  });

  test("with no config anywhere it starts with no backends and says where it looked", async () => {
    const dir = tempDir();
    const gw = await spawnGateway([], { env: { HOME: dir, MCP_GATEWAY_CONFIG: "" }, cwd: dir });
    const body = (await (await fetch(new URL("/health", gw.url))).json()) as { backends: object };
    // No MCP backends; only the built-in REST capabilities, which need no config.
    expect(Object.keys(body.backends)).toEqual(["capabilities"]);
    expect(gw.stderr()).toContain("gateway.yaml");
    gw.proc.kill("SIGTERM");
    expect(await gw.proc.exited).toBe(0);
  });

  test("MCP_GATEWAY_PORT is overridden by --port", async () => {
    const dir = tempDir();
    const config = writeConfig(dir, "backends: {}\n");
    const gw = await spawnGateway(["--config", config], { env: { MCP_GATEWAY_PORT: "1" } });
    // spawnGateway passes --port 0, which must win over the environment's port 1 (privileged, would fail).
    expect(Number(gw.url.port)).toBeGreaterThan(1);
    const client = await connectHttp(new URL("/mcp", gw.url));
    expect((await client.listTools()).tools).toHaveLength(4);
    await client.close();
    gw.proc.kill("SIGTERM");
    await gw.proc.exited;
  });

  test("--log-format json writes one JSON object per stderr line, backend stderr tagged at debug", async () => {
    const dir = tempDir();
    const config = writeConfig(
      dir,
      `backends:\n  everything:\n    command: '${serverCommand("everything", "stdio")}'\n`,
    );
    const gw = await spawnGateway(["--config", config, "--log-format", "json", "--log-level", "debug"]);
    await waitFor("backend stderr forwarded", () =>
      gw.stderr().includes("Starting default") ? true : undefined,
    );
    gw.proc.kill("SIGTERM");
    await gw.proc.exited;
    const lines = gw.stderr().trim().split("\n");
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries.every((e) => typeof e.time === "string" && typeof e.level === "string")).toBe(true);
    const forwarded = entries.find((e) => String(e.msg).includes("Starting default"));
    expect(forwarded).toMatchObject({ level: "debug", tag: "everything" });
  });
});
