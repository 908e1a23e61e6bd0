#!/usr/bin/env bun
/**
 * Compiles mcp-gateway into single-file executables with `bun build --compile`.
 *
 *   bun scripts/build.ts                      host binary → dist/mcp-gateway (what `npm run build` runs)
 *   bun scripts/build.ts --all --archive      every release target → dist/release/*.tar.gz|.zip + checksums.txt
 *   bun scripts/build.ts --target linux-arm64 --target windows-x64 --version 1.2.3 --outdir out
 *
 * Cross-compiling needs the Bun runtime of the target platform. Bun publishes each one on npm as
 * `@oven/bun-<os>-<arch>` (the same packages the `bun` npm package picks from), so this script looks for
 * it in node_modules/@oven, then in the runtime cache (node_modules/.cache/mcp-gateway-build/runtimes,
 * or --runtime-dir / MCP_GATEWAY_BUN_RUNTIMES), and otherwise fetches it once with `npm pack` (skipped with
 * --offline). It then hands the file to bun via `--compile-executable-path`, so bun never downloads
 * anything itself. The runtime must be the same version as the bun running this script.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { completionScript } from "../src/cli/completion/scripts.ts";

/** A release target: how we name it, how bun names it, and where its runtime lives on npm. */
export interface BuildTarget {
  /** `<os>-<arch>` as used in archive names. */
  id: string;
  os: "linux" | "darwin" | "windows";
  arch: "x64" | "arm64";
  /** Value for `bun build --target`. */
  bunTarget: string;
  /** npm package holding the Bun runtime for this platform. */
  runtimePackage: string;
  /** Path of the runtime inside that package. */
  runtimeFile: string;
}

const target = (
  os: BuildTarget["os"],
  arch: BuildTarget["arch"],
  npmArch: string,
  exe = "bin/bun",
): BuildTarget => ({
  id: `${os}-${arch}`,
  os,
  arch,
  bunTarget: `bun-${os}-${arch}`,
  runtimePackage: `@oven/bun-${os}-${npmArch}`,
  runtimeFile: exe,
});

/** Every platform a release ships. */
export const TARGETS: readonly BuildTarget[] = [
  target("linux", "x64", "x64"),
  target("linux", "arm64", "aarch64"),
  target("darwin", "x64", "x64"),
  target("darwin", "arm64", "aarch64"),
  target("windows", "x64", "x64", "bin/bun.exe"),
];

const ROOT = resolve(import.meta.dir, "..");

/** The target matching the machine running this script. */
export function hostTarget(): BuildTarget {
  const os = process.platform === "win32" ? "windows" : process.platform;
  const found = TARGETS.find((t) => t.os === os && t.arch === process.arch);
  if (!found) throw new Error(`no release target for ${process.platform}-${process.arch}`);
  return found;
}

/** Archive file name for a target: `mcp-gateway-<os>-<arch>.tar.gz`, or `.zip` for Windows. */
export function archiveName(t: BuildTarget): string {
  return `mcp-gateway-${t.id}${t.os === "windows" ? ".zip" : ".tar.gz"}`;
}

function binaryName(t: BuildTarget): string {
  return t.os === "windows" ? "mcp-gateway.exe" : "mcp-gateway";
}

function run(argv: string[], options: { cwd?: string } = {}): string {
  const result = spawnSync(argv[0] ?? "", argv.slice(1), { cwd: options.cwd ?? ROOT, encoding: "utf8" });
  if (result.error) throw new Error(`${argv[0]}: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(`${argv.join(" ")} failed (exit ${result.status}):\n${result.stderr || result.stdout}`);
  }
  return result.stdout;
}

/**
 * Finds (or fetches with `npm pack`) the Bun runtime for a foreign target. Returns undefined for the host,
 * whose runtime is the bun running this script.
 */
export function locateRuntime(
  t: BuildTarget,
  options: { cacheDir: string; offline: boolean; version?: string },
): string | undefined {
  if (t.id === hostTarget().id) return undefined;
  const version = options.version ?? Bun.version;
  const installed = join(ROOT, "node_modules", t.runtimePackage, t.runtimeFile);
  if (existsSync(installed) && packageVersion(join(ROOT, "node_modules", t.runtimePackage)) === version) {
    return installed;
  }
  const dir = join(options.cacheDir, `${t.runtimePackage.replace("/", "+")}@${version}`);
  const cached = join(dir, "package", t.runtimeFile);
  if (existsSync(cached)) return cached;
  if (options.offline) {
    throw new Error(
      `no Bun runtime for ${t.id} (${t.runtimePackage}@${version}) in ${options.cacheDir}; ` +
        "run once without --offline, or see docs/install.md",
    );
  }
  mkdirSync(dir, { recursive: true });
  const packed = JSON.parse(
    run(["npm", "pack", `${t.runtimePackage}@${version}`, "--json", "--pack-destination", dir]),
  ) as { filename: string }[];
  const tarball = join(dir, packed[0]?.filename ?? "");
  run(["tar", "-xzf", tarball, "-C", dir]);
  rmSync(tarball);
  if (!existsSync(cached)) throw new Error(`${t.runtimePackage}@${version} has no ${t.runtimeFile}`);
  return cached;
}

function packageVersion(dir: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

/** The `bun build` flags every gateway binary is compiled with (releases and benchmarks alike). */
export const COMPILE_FLAGS: readonly string[] = [
  "--compile",
  "--minify",
  // Precompiled JavaScriptCore bytecode: start-up skips parsing the bundle (about half of `--version`).
  "--bytecode",
  // Each import() becomes its own chunk in the executable, loaded when reached: without this the whole
  // bundle (and every node: module it names) loads before main.ts runs, about 8 ms of start-up.
  "--splitting",
  "--format=esm",
  "--no-compile-autoload-dotenv",
  "--no-compile-autoload-bunfig",
];

/** Compiles one target to `outfile`. */
export function compile(
  t: BuildTarget,
  options: { outfile: string; version: string; runtime?: string | undefined },
): void {
  const argv = [
    process.execPath,
    "build",
    join(ROOT, "src", "main.ts"),
    ...COMPILE_FLAGS,
    `--target=${t.bunTarget}`,
    `--define=process.env.MCP_GATEWAY_BUILD_VERSION=${JSON.stringify(options.version)}`,
    `--outfile=${options.outfile}`,
  ];
  if (options.runtime) argv.push(`--compile-executable-path=${options.runtime}`);
  // --windows-version and friends only work when compiling on Windows itself, so they stay off.
  run(argv);
}

/** Packs the binary and shell completions of one target into its release archive. */
export async function makeArchive(
  t: BuildTarget,
  options: { binary: string; outdir: string },
): Promise<string> {
  const stage = join(tmpdir(), `mcp-gateway-stage-${t.id}-${process.pid}`);
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(join(stage, "completions"), { recursive: true });
  copyFileSync(options.binary, join(stage, binaryName(t)));
  chmodSync(join(stage, binaryName(t)), 0o755);
  writeFileSync(join(stage, "completions", "mcp-gateway.bash"), await completionScript("bash"));
  writeFileSync(join(stage, "completions", "_mcp-gateway"), await completionScript("zsh"));
  writeFileSync(join(stage, "completions", "mcp-gateway.fish"), await completionScript("fish"));
  const out = join(options.outdir, archiveName(t));
  rmSync(out, { force: true });
  const entries = [binaryName(t), "completions"];
  if (t.os === "windows") run(["zip", "-q", "-r", "-X", out, ...entries], { cwd: stage });
  else run(["tar", "-czf", out, ...entries], { cwd: stage });
  rmSync(stage, { recursive: true, force: true });
  return out;
}

/** SHA-256 lines in `sha256sum` format (`<hex>  <name>`), sorted by name. */
export function checksumLines(files: readonly string[]): string {
  return [...files]
    .sort((a, b) => basename(a).localeCompare(basename(b)))
    .map((file) => {
      const hex = new Bun.CryptoHasher("sha256").update(readFileSync(file)).digest("hex");
      return `${hex}  ${basename(file)}\n`;
    })
    .join("");
}

function pickTargets(names: readonly string[], all: boolean): BuildTarget[] {
  if (all) return [...TARGETS];
  if (names.length === 0) return [hostTarget()];
  return names.map((name) => {
    const found = TARGETS.find((t) => t.id === name);
    if (!found) throw new Error(`unknown target "${name}" (known: ${TARGETS.map((t) => t.id).join(", ")})`);
    return found;
  });
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      target: { type: "string", multiple: true, default: [] },
      all: { type: "boolean", default: false },
      archive: { type: "boolean", default: false },
      version: { type: "string" },
      outdir: { type: "string" },
      "runtime-dir": { type: "string" },
      offline: { type: "boolean", default: false },
    },
  });
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
  const version = (values.version ?? pkg.version).replace(/^v/, "");
  const targets = pickTargets(values.target, values.all);
  const archive = values.archive;
  const outdir = resolve(values.outdir ?? join(ROOT, "dist", archive ? "release" : ""));
  const cacheDir = resolve(
    values["runtime-dir"] ??
      process.env.MCP_GATEWAY_BUN_RUNTIMES ??
      join(ROOT, "node_modules", ".cache", "mcp-gateway-build", "runtimes"),
  );
  mkdirSync(outdir, { recursive: true });
  const archives: string[] = [];
  for (const t of targets) {
    const started = performance.now();
    const runtime = locateRuntime(t, { cacheDir, offline: values.offline });
    // Without --archive a lone host build lands at dist/mcp-gateway; several targets get suffixed names.
    const single = !archive && targets.length === 1;
    const binDir = archive ? join(outdir, "bin", t.id) : outdir;
    mkdirSync(binDir, { recursive: true });
    const outfile = join(binDir, single || archive ? binaryName(t) : `mcp-gateway-${t.id}`);
    compile(t, { outfile: t.os === "windows" ? outfile.replace(/\.exe$/, "") : outfile, version, runtime });
    if (archive) archives.push(await makeArchive(t, { binary: outfile, outdir }));
    const ms = Math.round(performance.now() - started);
    console.error(`built ${t.id} → ${archive ? archives.at(-1) : outfile} (${ms} ms)`);
  }
  if (archive) {
    rmSync(join(outdir, "bin"), { recursive: true, force: true });
    writeFileSync(join(outdir, "checksums.txt"), checksumLines(archives));
    console.error(`wrote ${join(outdir, "checksums.txt")}`);
  }
}

if (import.meta.main) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(`build: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
