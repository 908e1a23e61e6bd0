import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { connectHttp, tempDir } from "../helpers/gateway.ts";
import { ROOT, serverCommand } from "../helpers/paths.ts";
import { isAlive, spawnGateway, waitFor } from "../helpers/process.ts";

// The npm package as a user gets it: `npm pack`, then installed into an empty project and run by Node with
// no bun on PATH. Offline: the project's lockfile is the repo's (production entries only, plus the tarball),
// so npm takes every dependency from its cache by integrity instead of asking the registry.
const dir = tempDir("mcp-gateway-npm-");
const app = join(dir, "app");
const NODE = Bun.which("node") ?? "node";
// Node and npm, nothing from node_modules/.bin (where a bun would be).
const PLAIN_PATH = [...new Set([dirname(NODE), dirname(Bun.which("npm") ?? NODE), "/usr/bin", "/bin"])].join(
  ":",
);
const launcher = join(app, "node_modules", ".bin", "mcp-gateway");
let tarball = "";

interface LockEntry {
  version?: string;
  resolved?: string;
  dev?: boolean;
  link?: boolean;
  [key: string]: unknown;
}

function run(cmd: string[], cwd: string, env: Record<string, string> = {}): string {
  const result = Bun.spawnSync(cmd, {
    cwd,
    env: { ...(process.env as Record<string, string>), PATH: PLAIN_PATH, ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  if (result.exitCode !== 0)
    throw new Error(`${cmd.join(" ")} exited ${result.exitCode}:\n${result.stdout}\n${result.stderr}`);
  return result.stdout.toString();
}

beforeAll(() => {
  mkdirSync(app, { recursive: true });
  const packed = JSON.parse(
    run(["npm", "pack", "--json", "--ignore-scripts", "--pack-destination", dir], ROOT),
  ) as { filename: string; files: { path: string }[] }[];
  tarball = join(dir, packed[0]?.filename ?? "");
  const files = packed[0]?.files.map((f) => f.path) ?? [];
  writeFileSync(join(dir, "files.json"), JSON.stringify(files));
  const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as {
    packages: Record<string, LockEntry>;
  };
  const { devDependencies: _dev, ...self } = lock.packages[""] ?? {};
  const packages: Record<string, LockEntry> = {
    "": { dependencies: { "mcp-gateway": `file:${tarball}` } },
    "node_modules/mcp-gateway": { ...self, resolved: `file:${tarball}` },
  };
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === "" || entry.dev || entry.link) continue;
    const name = path.split("node_modules/").pop() ?? "";
    const base = name.split("/").pop() ?? "";
    packages[path] = {
      ...entry,
      resolved: entry.resolved ?? `https://registry.npmjs.org/${name}/-/${base}-${entry.version}.tgz`,
    };
  }
  writeFileSync(
    join(app, "package.json"),
    JSON.stringify({ private: true, dependencies: { "mcp-gateway": `file:${tarball}` } }),
  );
  writeFileSync(join(app, "package-lock.json"), JSON.stringify({ lockfileVersion: 3, packages }));
  run(["npm", "ci", "--offline", "--no-audit", "--no-fund"], app);
}, 180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("the tarball holds the launcher and the sources, not the tests", () => {
  const files = JSON.parse(readFileSync(join(dir, "files.json"), "utf8")) as string[];
  expect(files).toContain("bin/mcp-gateway.mjs");
  expect(files).toContain("src/main.ts");
  expect(files).toContain("package.json");
  expect(files.some((f) => f.startsWith("test/") || f.startsWith("scripts/"))).toBe(false);
});

test("mcp-gateway --version runs on plain Node with no bun on PATH", () => {
  expect(Bun.which("bun", { PATH: PLAIN_PATH })).toBeNull();
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
  expect(run([launcher, "--version"], app).trim()).toBe(pkg.version);
  // `npx mcp-gateway` inside the project finds the same command.
  expect(run(["npx", "--offline", "mcp-gateway", "--version"], app).trim()).toBe(pkg.version);
});

test("a .env or bunfig.toml in the user's directory does not reach the gateway", () => {
  const cwd = join(dir, "project");
  mkdirSync(cwd, { recursive: true });
  writeFileSync(join(cwd, "bunfig.toml"), 'preload = ["./missing-preload.ts"]\n');
  writeFileSync(join(cwd, ".env"), "MCP_GATEWAY_PORT=not-a-port\n");
  writeFileSync(join(cwd, "gateway.yaml"), "capabilities:\n  enabled: false\nbackends: {}\n");
  // A port of "not-a-port" from the .env would be a config error (exit 2).
  expect(run([launcher, "servers", "--json"], cwd)).toContain('"servers": []');
});

test("serve answers a tool call, and SIGTERM to the launcher stops the gateway", async () => {
  const config = join(dir, "gateway.yaml");
  writeFileSync(config, `backends:\n  everything:\n    command: '${serverCommand("everything", "stdio")}'\n`);
  const gateway = await spawnGateway(["--config", config], {
    command: [launcher],
    env: { PATH: PLAIN_PATH },
    cwd: app,
  });
  const client = await connectHttp(new URL("/mcp", gateway.url));
  const result = await client.callTool({
    name: "gateway_invoke",
    arguments: { server: "everything", tool: "echo", arguments: { message: "from npm" } },
  });
  expect(result.content).toEqual([{ type: "text", text: "Echo: from npm" }]);
  await client.close();
  const health = (await (await fetch(new URL("/health", gateway.url))).json()) as { backends: object };
  expect(Object.keys(health.backends)).toContain("everything");
  gateway.proc.kill("SIGTERM");
  const code = await gateway.proc.exited;
  // The launcher re-raises the gateway's own ending: a clean shutdown exits 0 (or dies by SIGTERM).
  expect([0, 143]).toContain(code ?? 143);
  await waitFor("the gateway port to close", async () =>
    fetch(new URL("/health", gateway.url)).then(
      () => undefined,
      () => true,
    ),
  );
  expect(isAlive(gateway.proc.pid)).toBe(false);
}, 60_000);
