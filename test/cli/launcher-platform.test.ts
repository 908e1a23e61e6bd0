import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { bunPackages, exitPlan, relaunchCommand, signalPlan } from "../../bin/platform.mjs";
import { launcherCommand } from "../../src/cli/commands/setup.ts";
import { ROOT } from "../helpers/paths.ts";

// The npm launcher's per-OS choices with the platform injected: Windows, macOS, musl and Android cannot be
// run on this Linux machine, so these pin what the launcher does there (see docs/install.md: untested on a
// real Windows machine).
const bunOptional = Object.keys(
  (
    JSON.parse(readFileSync(join(ROOT, "node_modules", "bun", "package.json"), "utf8")) as {
      optionalDependencies: Record<string, string>;
    }
  ).optionalDependencies,
);

describe("bunPackages", () => {
  const pick = (platform: string, arch: string, musl = false) =>
    bunPackages({ platform, arch, musl }).map((p) => `${p.name} ${p.exe}`);

  test("Windows x64 and arm64 take bun.exe from @oven/bun-windows-*", () => {
    expect(pick("win32", "x64")).toEqual([
      "@oven/bun-windows-x64 bin/bun.exe",
      "@oven/bun-windows-x64-baseline bin/bun.exe",
    ]);
    // Windows on Arm runs the x64 build under emulation when the native package is missing.
    expect(pick("win32", "arm64")).toEqual([
      "@oven/bun-windows-aarch64 bin/bun.exe",
      "@oven/bun-windows-x64 bin/bun.exe",
    ]);
  });

  test("macOS, glibc and musl Linux, Android and FreeBSD map to bun's package names", () => {
    expect(pick("darwin", "arm64")).toEqual(["@oven/bun-darwin-aarch64 bin/bun"]);
    expect(pick("darwin", "x64")[0]).toBe("@oven/bun-darwin-x64 bin/bun");
    expect(pick("linux", "x64")[0]).toBe("@oven/bun-linux-x64 bin/bun");
    expect(pick("linux", "arm64", true)[0]).toBe("@oven/bun-linux-aarch64-musl bin/bun");
    expect(pick("android", "arm64")).toEqual(["@oven/bun-linux-aarch64-android bin/bun"]);
    expect(pick("freebsd", "x64")).toEqual(["@oven/bun-freebsd-x64 bin/bun"]);
  });

  test("every first choice is a package the bun dependency really lists; unknown platforms get none", () => {
    const facts = [
      ["win32", "x64"],
      ["win32", "arm64"],
      ["darwin", "x64"],
      ["darwin", "arm64"],
      ["linux", "x64"],
      ["linux", "arm64"],
      ["android", "x64"],
      ["android", "arm64"],
      ["freebsd", "x64"],
      ["freebsd", "arm64"],
    ] as const;
    for (const [platform, arch] of facts)
      expect(bunOptional).toContain(bunPackages({ platform, arch, musl: false })[0]?.name ?? "none");
    expect(bunOptional).toContain(bunPackages({ platform: "linux", arch: "x64", musl: true })[0]?.name ?? "");
    expect(bunPackages({ platform: "aix", arch: "ppc64", musl: false })).toEqual([]);
    expect(bunPackages({ platform: "linux", arch: "ia32", musl: false })).toEqual([]);
  });
});

describe("signals and exit", () => {
  test("POSIX passes SIGINT/SIGTERM/SIGHUP on; Windows passes nothing (the console reaches the gateway)", () => {
    expect(signalPlan("linux")).toEqual({ forward: ["SIGINT", "SIGTERM", "SIGHUP"], absorb: [] });
    expect(signalPlan("darwin").forward).toContain("SIGHUP");
    expect(signalPlan("win32")).toEqual({ forward: [], absorb: ["SIGINT", "SIGBREAK", "SIGHUP"] });
  });

  test("a gateway killed by a signal is re-raised on POSIX, exit 1 on Windows; codes pass through", () => {
    expect(exitPlan({ platform: "linux", code: null, signal: "SIGTERM" })).toEqual({ signal: "SIGTERM" });
    expect(exitPlan({ platform: "win32", code: null, signal: "SIGTERM" })).toEqual({ code: 1 });
    expect(exitPlan({ platform: "win32", code: 2, signal: null })).toEqual({ code: 2 });
    expect(exitPlan({ platform: "linux", code: 0, signal: null })).toEqual({ code: 0 });
  });
});

describe("the command setup writes for the launcher", () => {
  test("node and the script, both absolute: no PATH needed, and Windows cannot execute a .mjs", () => {
    const windows = relaunchCommand({
      execPath: "C:\\Program Files\\nodejs\\node.exe",
      script: "C:\\Users\\ada\\AppData\\Roaming\\npm\\node_modules\\mcp-gateway\\bin\\mcp-gateway.mjs",
    });
    expect(windows[0]).toBe("C:\\Program Files\\nodejs\\node.exe");
    expect(windows[1]).toEndWith("mcp-gateway.mjs");
    const posix = JSON.stringify(
      relaunchCommand({ execPath: "/usr/bin/node", script: "/p/bin/mcp-gateway" }),
    );
    expect(launcherCommand(posix)).toEqual({ command: "/usr/bin/node", args: ["/p/bin/mcp-gateway"] });
  });

  test("an older single path still works; relative or malformed values are ignored", () => {
    expect(launcherCommand("/opt/npm/bin/mcp-gateway")).toEqual({
      command: "/opt/npm/bin/mcp-gateway",
      args: [],
    });
    expect(launcherCommand("mcp-gateway")).toBeUndefined();
    expect(launcherCommand('["node","x.mjs"]')).toBeUndefined();
    expect(launcherCommand("[not json")).toBeUndefined();
    expect(launcherCommand("[]")).toBeUndefined();
    expect(launcherCommand(undefined)).toBeUndefined();
  });
});
