#!/usr/bin/env node
// The npm package's command: runs the gateway (TypeScript on Bun) with the Bun binary that the `bun` npm
// dependency brought, so `npx mcp-gateway` and `npm i -g mcp-gateway` work with plain Node on PATH.
// Plain JavaScript on purpose: this file is the only one Node runs.
import { spawn } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const entry = join(here, "..", "src", "main.ts");
const require = createRequire(import.meta.url);

/** True on a musl libc Linux (Alpine), where the glibc build of Bun does not run. */
function isMusl() {
  if (process.platform !== "linux") return false;
  const report = process.report?.getReport?.();
  return !report?.header?.glibcVersionRuntime;
}

/** Directory of an installed package, or undefined. */
function packageDir(name) {
  try {
    return dirname(require.resolve(`${name}/package.json`));
  } catch {
    return undefined;
  }
}

/** The Bun executable: $MCP_GATEWAY_BUN, the platform package bun installs from, then bun's own bin. */
function findBun() {
  if (process.env.MCP_GATEWAY_BUN) return process.env.MCP_GATEWAY_BUN;
  const os = process.platform === "win32" ? "windows" : process.platform;
  const cpu = process.arch === "arm64" ? "aarch64" : process.arch;
  const exe = process.platform === "win32" ? "bun.exe" : "bun";
  const names = isMusl()
    ? [`@oven/bun-${os}-${cpu}-musl`, `@oven/bun-${os}-${cpu}-musl-baseline`]
    : [`@oven/bun-${os}-${cpu}`, `@oven/bun-${os}-${cpu}-baseline`];
  for (const name of names) {
    const dir = packageDir(name);
    if (dir && existsSync(join(dir, "bin", exe))) return join(dir, "bin", exe);
  }
  // bun's postinstall replaces this placeholder with the real binary (skipped under --ignore-scripts).
  const bun = packageDir("bun");
  const binary = bun && join(bun, "bin", "bun.exe");
  if (binary && existsSync(binary) && statSync(binary).size > 1_000_000) return binary;
  return undefined;
}

const bun = findBun();
if (!bun) {
  process.stderr.write(
    "mcp-gateway: no Bun runtime found for this platform (the `bun` npm dependency did not install one); " +
      "reinstall without --omit=optional, or set MCP_GATEWAY_BUN to a bun executable\n",
  );
  process.exit(1);
}
// No .env or bunfig.toml from the user's directory: the gateway reads its own config, like the binary.
const child = spawn(
  bun,
  ["--no-env-file", `--config=${join(here, "bunfig.toml")}`, entry, ...process.argv.slice(2)],
  {
    stdio: "inherit",
    windowsHide: true,
    // `setup` writes this absolute command into clients' configs (GUI apps often lack the shell's PATH).
    env: { ...process.env, MCP_GATEWAY_LAUNCHER: process.argv[1] ?? "" },
  },
);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    if (child.exitCode === null) child.kill(signal);
  });
}
child.on("error", (err) => {
  process.stderr.write(`mcp-gateway: cannot run ${bun}: ${err.message}\n`);
  process.exit(1);
});
child.on("exit", (code, signal) => {
  if (signal) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  } else process.exit(code ?? 1);
});
