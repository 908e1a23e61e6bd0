import { afterAll, beforeAll, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { checksumLines } from "../../scripts/build.ts";
import { tempDir } from "../helpers/gateway.ts";
import { ROOT } from "../helpers/paths.ts";

// A fake release (a shell script standing in for the binary) served on loopback, as GitHub would.
const dir = tempDir("mcp-gateway-install-");
const release = join(dir, "release");
const requests: string[] = [];
let server: ReturnType<typeof Bun.serve>;
let corrupt = false;

function fakeArchive(os: string, arch: string): string {
  const stage = join(dir, `stage-${os}-${arch}`);
  mkdirSync(join(stage, "completions"), { recursive: true });
  writeFileSync(join(stage, "mcp-gateway"), `#!/bin/sh\necho "7.7.7-${os}-${arch}"\n`);
  chmodSync(join(stage, "mcp-gateway"), 0o755);
  writeFileSync(join(stage, "completions", "mcp-gateway.bash"), "complete -F _x mcp-gateway\n");
  writeFileSync(join(stage, "completions", "_mcp-gateway"), "#compdef mcp-gateway\n");
  writeFileSync(join(stage, "completions", "mcp-gateway.fish"), "complete -c mcp-gateway -f\n");
  const out = join(release, `mcp-gateway-${os}-${arch}.tar.gz`);
  Bun.spawnSync(["tar", "-czf", out, "mcp-gateway", "completions"], { cwd: stage });
  return out;
}

beforeAll(() => {
  mkdirSync(release, { recursive: true });
  const archives = [
    fakeArchive("linux", "x64"),
    fakeArchive("linux", "arm64"),
    fakeArchive("darwin", "arm64"),
  ];
  writeFileSync(join(release, "checksums.txt"), checksumLines(archives));
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(request) {
      const name = new URL(request.url).pathname.split("/").pop() ?? "";
      requests.push(name);
      const file = join(release, name);
      if (!existsSync(file)) return new Response("not found", { status: 404 });
      const body = readFileSync(file);
      if (corrupt && name.endsWith(".tar.gz")) body.writeUInt8((body.at(-1) ?? 0) ^ 0xff, body.length - 1);
      return new Response(body);
    },
  });
});
afterAll(async () => {
  await server.stop(true);
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the installer as `curl … | sh -s -- ARGS` does: script on stdin, under dash (POSIX sh). */
async function install(
  args: string[],
  options: { uname?: { s: string; m: string }; home: string },
): Promise<{ code: number; stderr: string }> {
  const path = [process.env.PATH ?? ""];
  if (options.uname) {
    const fake = join(options.home, "fakebin");
    mkdirSync(fake, { recursive: true });
    writeFileSync(
      join(fake, "uname"),
      `#!/bin/sh\ncase "$1" in -s) echo ${options.uname.s};; -m) echo ${options.uname.m};; esac\n`,
    );
    chmodSync(join(fake, "uname"), 0o755);
    path.unshift(fake);
  }
  // Async spawn: the fake release server lives in this process and must keep answering.
  const proc = Bun.spawn(
    ["dash", "-s", "--", "--base-url", `http://127.0.0.1:${server.port}/download`, ...args],
    {
      stdin: readFileSync(join(ROOT, "scripts", "install.sh")),
      stdout: "ignore",
      stderr: "pipe",
      env: { PATH: path.join(":"), HOME: options.home },
    },
  );
  const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
  return { code, stderr };
}

test("downloads, verifies and installs the host's binary with completions", async () => {
  const home = join(dir, "home1");
  const run = await install(["--bin-dir", join(home, "bin")], { home, uname: { s: "Linux", m: "x86_64" } });
  expect(run.stderr).toContain("installed");
  expect(run.code).toBe(0);
  const out = Bun.spawnSync([join(home, "bin", "mcp-gateway"), "--version"]).stdout.toString();
  expect(out.trim()).toBe("7.7.7-linux-x64");
  expect(existsSync(join(home, ".local", "share", "bash-completion", "completions", "mcp-gateway"))).toBe(
    true,
  );
  expect(run.stderr).toContain("is not on your PATH");
});

test("maps uname's CPU names onto release archives", async () => {
  const home = join(dir, "home2");
  const arm = await install(["--bin-dir", join(home, "bin"), "--no-completions"], {
    home,
    uname: { s: "Linux", m: "aarch64" },
  });
  expect(arm.code).toBe(0);
  expect(requests).toContain("mcp-gateway-linux-arm64.tar.gz");
  const mac = await install(["--bin-dir", join(home, "mac")], { home, uname: { s: "Darwin", m: "arm64" } });
  expect(mac.code).toBe(0);
  expect(
    Bun.spawnSync([join(home, "mac", "mcp-gateway")])
      .stdout.toString()
      .trim(),
  ).toBe("7.7.7-darwin-arm64");
  const odd = await install([], { home, uname: { s: "Linux", m: "riscv64" } });
  expect(odd.code).not.toBe(0);
  expect(odd.stderr).toContain("unsupported CPU riscv64");
});

test("a checksum mismatch installs nothing", async () => {
  const home = join(dir, "home3");
  corrupt = true;
  try {
    const run = await install(["--bin-dir", join(home, "bin")], { home, uname: { s: "Linux", m: "x86_64" } });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain("checksum mismatch");
    expect(existsSync(join(home, "bin", "mcp-gateway"))).toBe(false);
  } finally {
    corrupt = false;
  }
});

test("an archive missing from checksums.txt is refused", async () => {
  const home = join(dir, "home4");
  const run = await install(["--bin-dir", join(home, "bin")], { home, uname: { s: "Darwin", m: "x86_64" } });
  expect(run.code).not.toBe(0);
  expect(run.stderr).toMatch(/download failed|no entry/);
});

test("the script is valid POSIX sh and rejects unknown options", async () => {
  expect(Bun.spawnSync(["dash", "-n", join(ROOT, "scripts", "install.sh")]).exitCode).toBe(0);
  const home = join(dir, "home5");
  const run = await install(["--frobnicate"], { home });
  expect(run.code).not.toBe(0);
  expect(run.stderr).toContain("unknown option --frobnicate");
});
