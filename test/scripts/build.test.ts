import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  archiveName,
  checksumLines,
  compile,
  hostTarget,
  locateRuntime,
  makeArchive,
  TARGETS,
} from "../../scripts/build.ts";
import { tempDir } from "../helpers/gateway.ts";
import { ROOT } from "../helpers/paths.ts";

const dir = tempDir("mcp-gateway-build-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("ships the five release targets with their archive names", () => {
  expect(TARGETS.map(archiveName)).toEqual([
    "mcp-gateway-linux-x64.tar.gz",
    "mcp-gateway-linux-arm64.tar.gz",
    "mcp-gateway-darwin-x64.tar.gz",
    "mcp-gateway-darwin-arm64.tar.gz",
    "mcp-gateway-windows-x64.zip",
  ]);
  expect(TARGETS.find((t) => t.id === "linux-arm64")?.runtimePackage).toBe("@oven/bun-linux-aarch64");
});

test("checksums.txt lines verify with sha256sum -c", () => {
  const a = join(dir, "b.tar.gz");
  const b = join(dir, "a.zip");
  writeFileSync(a, "alpha");
  writeFileSync(b, "beta");
  const text = checksumLines([a, b]);
  expect(text.split("\n")[0]).toEndWith("  a.zip");
  writeFileSync(join(dir, "checksums.txt"), text);
  const check = Bun.spawnSync(["sha256sum", "-c", "checksums.txt"], { cwd: dir });
  expect(check.exitCode).toBe(0);
});

test("an archive holds the executable binary and the three completion scripts", async () => {
  const fake = join(dir, "fake-binary");
  writeFileSync(fake, "#!/bin/sh\necho fake\n");
  chmodSync(fake, 0o644);
  const out = await makeArchive(hostTarget(), { binary: fake, outdir: dir });
  expect(out).toEndWith(archiveName(hostTarget()));
  const listing = Bun.spawnSync(["tar", "-tvzf", out]).stdout.toString();
  expect(listing).toMatch(/^-rwxr-xr-x .* mcp-gateway$/m);
  for (const name of [
    "completions/mcp-gateway.bash",
    "completions/_mcp-gateway",
    "completions/mcp-gateway.fish",
  ]) {
    expect(listing).toContain(name);
  }
});

test.skipIf(!Bun.which("zip") || !Bun.which("unzip"))(
  "a Windows archive is a zip holding mcp-gateway.exe",
  async () => {
    const windows = TARGETS.find((t) => t.os === "windows");
    if (!windows) throw new Error("no windows target");
    const fake = join(dir, "fake.exe");
    writeFileSync(fake, "MZ");
    const out = await makeArchive(windows, { binary: fake, outdir: dir });
    const listing = Bun.spawnSync(["unzip", "-l", out]).stdout.toString();
    expect(listing).toContain("mcp-gateway.exe");
    expect(readFileSync(out).subarray(0, 2).toString()).toBe("PK");
  },
);

describe("target runtimes", () => {
  test("the host needs none: bun compiles with itself", () => {
    expect(locateRuntime(hostTarget(), { cacheDir: dir, offline: true })).toBeUndefined();
  });

  test("offline, a missing foreign runtime is an error that says how to get it", () => {
    const foreign = TARGETS.find((t) => t.id !== hostTarget().id);
    if (!foreign) throw new Error("no foreign target");
    expect(() =>
      locateRuntime(foreign, { cacheDir: join(dir, "empty"), offline: true, version: "0.0.0" }),
    ).toThrow(/@oven\/bun-.*0\.0\.0.*without --offline/);
  });

  test("a runtime in the cache is used as is", () => {
    const foreign = TARGETS.find((t) => t.id !== hostTarget().id);
    if (!foreign) throw new Error("no foreign target");
    const cache = join(dir, "cache");
    const file = join(
      cache,
      `${foreign.runtimePackage.replace("/", "+")}@1.0.0`,
      "package",
      foreign.runtimeFile,
    );
    Bun.spawnSync(["mkdir", "-p", join(file, "..")]);
    writeFileSync(file, "runtime");
    expect(locateRuntime(foreign, { cacheDir: cache, offline: true, version: "1.0.0" })).toBe(file);
  });
});

// Runs when an earlier build (or `npm run build:release`) left the linux-arm64 runtime in the cache.
const armCache = join(ROOT, "node_modules", ".cache", "mcp-gateway-build", "runtimes");
const arm = TARGETS.find((t) => t.id === "linux-arm64");
const armRuntime =
  arm && join(armCache, `${arm.runtimePackage.replace("/", "+")}@${Bun.version}`, "package", arm.runtimeFile);
test.skipIf(!arm || hostTarget().id === "linux-arm64" || !armRuntime || !Bun.file(armRuntime).size)(
  "cross-compiles offline from a cached @oven/bun runtime to a real arm64 executable",
  () => {
    if (!arm) return;
    const runtime = locateRuntime(arm, { cacheDir: armCache, offline: true });
    const outfile = join(dir, "mcp-gateway-arm64");
    compile(arm, { outfile, version: "0.0.1", runtime });
    const header = readFileSync(outfile).subarray(0, 20);
    expect(header.subarray(0, 4).toString("latin1")).toBe("\x7fELF");
    expect(header.readUInt16LE(18)).toBe(183); // EM_AARCH64
  },
  120_000,
);
