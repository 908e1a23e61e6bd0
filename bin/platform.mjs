// The npm launcher's choices per operating system, as pure functions of an injected platform, so
// test/cli/launcher-platform.test.ts checks them for Windows, macOS, musl and Android here on Linux.
// Plain JavaScript (Node runs it); the types are in platform.d.mts.

/**
 * Bun's platform packages (`@oven/bun-*`, optional dependencies of the `bun` npm package) that run on this
 * machine, best first, each with the path of its executable inside the package. Mirrors the table of bun's
 * own install script (bun 1.4.5): Android is `linux-*-android`, musl libc `linux-*-musl`; Windows on Arm
 * can also run the x64 build under emulation.
 */
export function bunPackages({ platform, arch, musl }) {
  const cpu = arch === "arm64" ? "aarch64" : arch === "x64" ? "x64" : undefined;
  if (!cpu) return [];
  const exe = platform === "win32" ? "bin/bun.exe" : "bin/bun";
  const names = {
    linux: musl
      ? [`linux-${cpu}-musl`, `linux-${cpu}-musl-baseline`]
      : [`linux-${cpu}`, `linux-${cpu}-baseline`],
    android: [`linux-${cpu}-android`],
    darwin: cpu === "x64" ? ["darwin-x64", "darwin-x64-baseline"] : ["darwin-aarch64"],
    freebsd: [`freebsd-${cpu}`],
    win32: cpu === "x64" ? ["windows-x64", "windows-x64-baseline"] : ["windows-aarch64", "windows-x64"],
  }[platform];
  return (names ?? []).map((name) => ({ name: `@oven/bun-${name}`, exe }));
}

/**
 * What the launcher does with the signals it receives. POSIX: SIGINT, SIGTERM and SIGHUP (the gateway's
 * config reload) are passed on. Windows: a console's Ctrl+C, Ctrl+Break and close already reach every
 * process attached to it, the gateway included, and `child.kill()` there is TerminateProcess (no clean
 * shutdown), so nothing is passed on; the launcher only listens, so it does not exit before the gateway.
 */
export function signalPlan(platform) {
  if (platform === "win32") return { forward: [], absorb: ["SIGINT", "SIGBREAK", "SIGHUP"] };
  return { forward: ["SIGINT", "SIGTERM", "SIGHUP"], absorb: [] };
}

/**
 * How the launcher ends once the gateway has: with its exit code, or (POSIX) by the same signal, so a
 * shell or service manager sees what happened. Windows has no signal deaths to re-raise: exit code 1.
 */
export function exitPlan({ platform, code, signal }) {
  if (signal && platform !== "win32") return { signal };
  return { code: code ?? 1 };
}

/**
 * The command a client's config should run to start this package again, as absolute paths: node itself,
 * then this script. A GUI app often starts without the shell's PATH (so `#!/usr/bin/env node` finds no
 * node), and Windows cannot execute a `.mjs` file (npm's `.cmd` shim needs a shell).
 */
export function relaunchCommand({ execPath, script }) {
  return [execPath, script];
}
