import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { tempDir } from "../helpers/gateway.ts";
import { ROOT, serverCommand } from "../helpers/paths.ts";
import { spawnGateway } from "../helpers/process.ts";
import { echoThrough } from "./run.ts";

// `npm i -g` and `npx` of the packed tarball, as a user without bun does it: npm installs into a temporary
// prefix, taking what it can from the local npm cache (`--prefer-offline`: the registry is asked only for
// what the cache lacks), and the installed command runs on plain Node. One test: it packs and installs once.
const NODE = Bun.which("node");
const NPM = Bun.which("npm");
const dir = tempDir("mcp-gateway-npm-global-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(cmd: string[], options: { cwd: string; env?: Record<string, string> }): string {
  const result = Bun.spawnSync(cmd, {
    cwd: options.cwd,
    env: options.env,
    stdout: "pipe",
    stderr: "pipe",
  });
  if (result.exitCode !== 0)
    throw new Error(`${cmd.join(" ")} exited ${result.exitCode}:\n${result.stdout}\n${result.stderr}`);
  return result.stdout.toString();
}

test.skipIf(!NODE || !NPM)(
  "npm i -g of the tarball gives a mcp-gateway command that serves; npx runs the tarball too",
  async () => {
    if (!NODE || !NPM) return;
    // Node and npm only: nothing from node_modules/.bin, where a bun would be.
    const PATH = [...new Set([dirname(NODE), dirname(NPM), "/usr/bin", "/bin"])].join(":");
    const env = {
      ...(process.env as Record<string, string>),
      PATH,
      // The user's npm cache (tarballs of an earlier install), not a fresh one that would need the network.
      npm_config_cache: run([NPM, "config", "get", "cache"], { cwd: dir, env: { PATH } }).trim(),
      npm_config_update_notifier: "false",
    };
    expect(Bun.which("bun", { PATH })).toBeNull();
    const packed = JSON.parse(
      run([NPM, "pack", "--json", "--ignore-scripts", "--pack-destination", dir], { cwd: ROOT, env }),
    ) as { filename: string }[];
    const tarball = join(dir, packed[0]?.filename ?? "");
    const prefix = join(dir, "prefix");
    run([NPM, "i", "-g", "--prefix", prefix, "--prefer-offline", "--no-audit", "--no-fund", tarball], {
      cwd: dir,
      env,
    });
    // Now the cache holds every package and its metadata: a second install needs no network at all.
    const again = join(dir, "offline-prefix");
    run([NPM, "i", "-g", "--prefix", again, "--offline", "--no-audit", "--no-fund", tarball], {
      cwd: dir,
      env,
    });
    expect(run([join(again, "bin", "mcp-gateway"), "--version"], { cwd: dir, env }).trim()).toMatch(
      /^\d+\.\d+/,
    );
    const command = join(prefix, "bin", "mcp-gateway");
    expect(existsSync(command)).toBe(true);
    // The Bun runtime came with the package: the platform package (an optional dependency of `bun`), whose
    // binary bun's postinstall moves into bun/bin when install scripts run.
    const installed = join(prefix, "lib", "node_modules", "mcp-gateway", "node_modules");
    const runtimes = [
      join(installed, "bun", "bin", "bun.exe"),
      ...new Bun.Glob("@oven/bun-*/bin/bun").scanSync({ cwd: installed, absolute: true }),
    ];
    expect(runtimes.some((file) => existsSync(file) && statSync(file).size > 1_000_000)).toBe(true);
    const { version } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
    expect(run([command, "--version"], { cwd: dir, env }).trim()).toBe(version);

    // serve + one tool call through the globally installed command.
    const config = join(dir, "gateway.yaml");
    writeFileSync(
      config,
      `backends:\n  everything:\n    command: '${serverCommand("everything", "stdio")}'\n`,
    );
    const gateway = await spawnGateway(["--config", config], { command: [command], env: { PATH }, cwd: dir });
    try {
      expect(await echoThrough(gateway.url, "everything", "from npm i -g")).toEqual([
        { type: "text", text: "Echo: from npm i -g" },
      ]);
    } finally {
      gateway.proc.kill("SIGTERM");
      await gateway.proc.exited;
    }

    // setup writes node and the installed command, both absolute (a GUI client may lack PATH).
    const home = join(dir, "home");
    mkdirSync(home, { recursive: true });
    const setup = run([command, "setup", "claude-desktop", "--config", config, "--dry-run"], {
      cwd: dir,
      env: { ...env, HOME: home, XDG_CONFIG_HOME: join(home, ".config") },
    });
    expect(setup).toContain(`"command": "${NODE}"`);
    expect(setup).toContain(`"${command}",\n`);

    // npx of the tarball, from a directory with no mcp-gateway installed.
    const elsewhere = join(dir, "elsewhere");
    mkdirSync(elsewhere);
    const npx = join(dirname(NPM), "npx");
    expect(
      run([npx, "--yes", "--prefer-offline", "--package", tarball, "mcp-gateway", "--version"], {
        cwd: elsewhere,
        env,
      }).trim(),
    ).toBe(version);
  },
  240_000,
);
