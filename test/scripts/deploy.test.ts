import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../helpers/gateway.ts";
import { BUN, ENTRY, ROOT } from "../helpers/paths.ts";
import { spawnGateway } from "../helpers/process.ts";

// Docker, systemd and launchd cannot run here; instead, each file's command line is run for real.
const dir = tempDir("mcp-gateway-deploy-");
const config = join(dir, "gateway.yaml");
writeFileSync(config, "backends: {}\n");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const read = (name: string): string => readFileSync(join(ROOT, "deploy", name), "utf8");

function systemdArgv(): string[] {
  const line = /^ExecStart=(.+)$/m.exec(read("mcp-gateway.service"))?.[1] ?? "";
  return line.trim().split(/\s+/);
}

function dockerArgv(): string[] {
  const text = read("Dockerfile");
  const entry = JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(text)?.[1] ?? "[]") as string[];
  const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(text)?.[1] ?? "[]") as string[];
  return [...entry, ...cmd];
}

function launchdArgv(): string[] {
  const text = read("dev.mcp-gateway.plist");
  const array = /<key>ProgramArguments<\/key>\s*<array>([\s\S]*?)<\/array>/.exec(text)?.[1] ?? "";
  return [...array.matchAll(/<string>([^<]*)<\/string>/g)].map((m) => m[1] ?? "");
}

/** The file's arguments with our temp config swapped in, and any wildcard host kept on loopback. */
function localArgs(argv: string[]): string[] {
  const args = argv.slice(1).map((a) => (a.endsWith("gateway.yaml") ? config : a));
  const host = args.indexOf("--host");
  if (host >= 0) args[host + 1] = "127.0.0.1";
  return args;
}

describe.each([
  ["systemd unit", systemdArgv],
  ["Dockerfile", dockerArgv],
  ["launchd plist", launchdArgv],
])("%s", (_name, argv) => {
  test("runs mcp-gateway with flags the CLI really has, and it serves", async () => {
    const full = argv();
    expect(full[0]).toMatch(/(^|\/)mcp-gateway$/);
    expect(full[1]).toBe("serve");
    const args = localArgs(full);
    // spawnGateway adds `serve --port 0`; drop our own `serve` so the command reads as the file has it.
    const gateway = await spawnGateway(args.slice(1));
    try {
      const health = await fetch(new URL("/health", gateway.url));
      expect(health.status).toBe(200);
      expect(gateway.stderr()).not.toContain("unknown option");
    } finally {
      gateway.proc.kill("SIGTERM");
      await gateway.proc.exited;
    }
  });
});

test("the plist is a well-formed property list", () => {
  const python = Bun.which("python3");
  if (!python) return;
  const file = join(ROOT, "deploy", "dev.mcp-gateway.plist");
  const r = Bun.spawnSync([
    python,
    "-c",
    "import plistlib,sys; d=plistlib.load(open(sys.argv[1],'rb')); print(d['Label'])",
    file,
  ]);
  expect(r.stdout.toString().trim()).toBe("dev.mcp-gateway");
});

test("the systemd unit stops with SIGTERM and waits longer than the default shutdown_timeout", () => {
  const unit = read("mcp-gateway.service");
  expect(unit).toMatch(/^KillSignal=SIGTERM$/m);
  const stop = Number(/^TimeoutStopSec=(\d+)$/m.exec(unit)?.[1]);
  expect(stop).toBeGreaterThan(30);
});

test("the systemd unit neither starts without a config nor restarts on a config error (exit 2)", () => {
  const unit = read("mcp-gateway.service");
  const config = /--config (\S+)/.exec(unit)?.[1];
  expect(unit).toContain(`ConditionPathExists=${config}`);
  expect(unit).toMatch(/^RestartPreventExitStatus=2$/m);
});

test("the Dockerfile builds with the project's own build script and exposes the default port", () => {
  const text = read("Dockerfile");
  expect(text).toContain("scripts/build.ts");
  expect(text).toMatch(/^EXPOSE 39400$/m);
});

describe("the Docker image's first start (its config, ENV and command line, without Docker)", () => {
  const text = read("Dockerfile");
  const env = Object.fromEntries([...text.matchAll(/^ENV (\w+)=(\S+)$/gm)].map((m) => [m[1], m[2]]));
  const image = join(dir, "docker.yaml");
  const init = Bun.spawnSync([BUN, ENTRY, "init", "--output", image], { stderr: "pipe" });
  writeFileSync(image, `${readFileSync(image, "utf8")}\n${read("docker-auth.yaml")}`);
  /** The image's command line on 0.0.0.0 (as in the container), its data dir in `data`. */
  const start = (data: string, extra: Record<string, string> = {}) => {
    const args = dockerArgv()
      .slice(2)
      .map((a) => (a.endsWith("gateway.yaml") ? image : a));
    return spawnGateway(args, { env: { ...env, MCP_GATEWAY_DATA_DIR: data, ...extra } });
  };
  const initialize = (url: URL, key?: string) =>
    fetch(new URL("/mcp", url), {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        ...(key ? { authorization: `Bearer ${key}` } : {}),
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } },
      }),
    });

  test("binds 0.0.0.0 with auth: a new admin key is logged once, stored hashed on the data volume", async () => {
    expect(init.exitCode).toBe(0);
    expect(env.MCP_GATEWAY_GENERATE_ADMIN_KEY).toBe("1");
    expect(text).toContain(`VOLUME ${env.MCP_GATEWAY_DATA_DIR}`);
    const data = tempDir("mcp-gateway-docker-data-");
    const first = await start(data);
    let key = "";
    try {
      key = /created the admin key (mgw_\S+)/.exec(first.stderr())?.[1] ?? "";
      expect(key).toMatch(/^mgw_[0-9a-f]{12}_/);
      expect((await initialize(first.url)).status).toBe(401);
      expect((await initialize(first.url, key)).status).toBe(200);
      const stored = readFileSync(join(data, "gateway.keys.json"), "utf8");
      // The secret is everything after "mgw_<id>_" (base64url: it may itself contain "_").
      const secret = key.slice("mgw_".length + 13);
      expect(secret.length).toBeGreaterThan(20);
      expect(stored).not.toContain(secret);
      expect(stored).toContain("$argon2id");
    } finally {
      first.proc.kill("SIGTERM");
      await first.proc.exited;
    }
    const second = await start(data);
    try {
      expect(second.stderr()).not.toContain("created the admin key");
      expect((await initialize(second.url, key)).status).toBe(200);
    } finally {
      second.proc.kill("SIGTERM");
      await second.proc.exited;
    }
  });

  test("MCP_GATEWAY_ADMIN_KEY gives the admin key: hashed on start, never logged", async () => {
    const { createKey } = await import("../../src/auth/keys.ts");
    const { key } = await createKey("x", { scopes: ["admin"] });
    const data = tempDir("mcp-gateway-docker-data-");
    const gateway = await start(data, { MCP_GATEWAY_ADMIN_KEY: key });
    try {
      expect(gateway.stderr()).not.toContain(key);
      expect(gateway.stderr()).not.toContain("created the admin key");
      expect((await initialize(gateway.url, key)).status).toBe(200);
      expect(readFileSync(join(data, "gateway.keys.json"), "utf8")).not.toContain(key);
    } finally {
      gateway.proc.kill("SIGTERM");
      await gateway.proc.exited;
    }
  });

  test("a malformed MCP_GATEWAY_ADMIN_KEY stops the start, naming the shape", async () => {
    const data = tempDir("mcp-gateway-docker-data-");
    await expect(start(data, { MCP_GATEWAY_ADMIN_KEY: "hunter2" })).rejects.toThrow(/not a gateway key/);
  });
});
