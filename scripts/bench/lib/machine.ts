import { execFileSync } from "node:child_process";
import { cpus, loadavg, release, totalmem, type } from "node:os";
import { ROOT } from "./paths.ts";

/** What the numbers were measured on. */
export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  bun: string;
  node: string;
  commit: string;
  load1: number;
}

function nodeVersion(): string {
  try {
    return execFileSync("node", ["--version"], { encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}

function commit(): string {
  try {
    const sha = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "src"], {
      cwd: ROOT,
      encoding: "utf8",
    }).trim();
    // A gateway exported elsewhere (MCP_GATEWAY_BENCH_ENTRY) is what ran, not this tree's src/.
    const entry = process.env.MCP_GATEWAY_BENCH_ENTRY;
    if (entry) return `${sha} (bench scripts; gateway under test: ${entry})`;
    return dirty ? `${sha}+dirty-src` : sha;
  } catch {
    return "unknown";
  }
}

let cached: MachineInfo | undefined;

export function machineInfo(): MachineInfo {
  cached ??= {
    cpu: cpus()[0]?.model.trim() ?? "unknown",
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${type()} ${release()}`,
    bun: Bun.version,
    node: nodeVersion(),
    commit: commit(),
    load1: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  };
  return cached;
}
