#!/usr/bin/env node
// The npm package's command: runs the gateway (TypeScript on Bun) with the Bun binary that the `bun` npm
// dependency brought, so `npx mcp-gateway` and `npm i -g mcp-gateway` work with plain Node on PATH.
// Plain JavaScript on purpose: this file and platform.mjs are the only ones Node runs.
import { spawn } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { bunPackages, exitPlan, relaunchCommand, signalPlan } from "./platform.mjs";

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
  const facts = { platform: process.platform, arch: process.arch, musl: isMusl() };
  for (const { name, exe } of bunPackages(facts)) {
    const dir = packageDir(name);
    if (dir && existsSync(join(dir, exe))) return join(dir, exe);
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
    `mcp-gateway: no Bun runtime found for ${process.platform}-${process.arch} (the \`bun\` npm dependency did not install one); ` +
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
    env: {
      ...process.env,
      // `setup` writes this command into clients' configs (JSON: node and this script, absolute).
      MCP_GATEWAY_LAUNCHER: JSON.stringify(
        relaunchCommand({
          execPath: process.execPath,
          script: process.argv[1] ?? fileURLToPath(import.meta.url),
        }),
      ),
    },
  },
);
const signals = signalPlan(process.platform);
for (const signal of signals.forward) {
  process.on(signal, () => {
    if (child.exitCode === null) child.kill(signal);
  });
}
for (const signal of signals.absorb) process.on(signal, () => {});
child.on("error", (err) => {
  process.stderr.write(`mcp-gateway: cannot run ${bun}: ${err.message}\n`);
  process.exit(1);
});
child.on("exit", (code, signal) => {
  const end = exitPlan({ platform: process.platform, code, signal });
  if ("signal" in end) {
    process.removeAllListeners(end.signal);
    process.kill(process.pid, end.signal);
  } else process.exit(end.code);
});
