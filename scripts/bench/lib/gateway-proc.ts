/**
 * A gateway process for the robustness benches (fuzz, load, kill-under-load), and what they read about it
 * from outside: RSS and open fds from /proc, its descendant processes, /health and /metrics figures.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { benchTempDir } from "./bench-dirs.ts";
import { freePort, waitForBackends, waitForHttp } from "./mcp.ts";
import { BUN, GATEWAY_ENTRY, ROOT } from "./paths.ts";

export interface BenchGateway {
  url: URL;
  port: number;
  pid: number;
  proc: Subprocess;
  /** Where the gateway's stderr goes (read it after a crash). */
  stderrFile: string;
  /** SIGTERM, then wait for exit. */
  stop(): Promise<void>;
}

/**
 * Spawns `serve --config … --port …` on 127.0.0.1 with a fresh manifest cache (so backends start at launch
 * rather than lazily from remembered tools) and waits until `backends` backends are up.
 */
export async function launchGateway(
  configPath: string,
  options: { backends?: number; logLevel?: string } = {},
): Promise<BenchGateway> {
  const port = freePort();
  const dir = benchTempDir("run-");
  const stderrFile = join(dir, "stderr.log");
  const proc = Bun.spawn(
    [
      BUN,
      GATEWAY_ENTRY,
      "serve",
      "--config",
      configPath,
      "--port",
      String(port),
      "--log-level",
      options.logLevel ?? "error",
    ],
    {
      cwd: ROOT,
      stdin: "ignore",
      stdout: "ignore",
      // A file, not a pipe: a pipe nobody reads fills up and blocks the gateway's log writes.
      stderr: Bun.file(stderrFile),
      env: {
        ...process.env,
        MCP_GATEWAY_CACHE_DIR: join(dir, "cache"),
        MCP_GATEWAY_DATA_DIR: join(dir, "data"),
      },
    },
  );
  const url = new URL(`http://127.0.0.1:${port}`);
  try {
    await waitForHttp(new URL("/health", url).href);
    if (options.backends !== undefined) await waitForBackends(url, options.backends);
  } catch (err) {
    proc.kill("SIGTERM");
    await proc.exited;
    throw err;
  }
  return {
    url,
    port,
    pid: proc.pid,
    proc,
    stderrFile,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
      await proc.exited;
    },
  };
}

/** Resident set size in KiB (VmRSS), or undefined once the process is gone. */
export function rssKiB(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Open file descriptors (entries of /proc/PID/fd). */
export function fdCount(pid: number): number | undefined {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return undefined;
  }
}

interface ProcStat {
  pid: number;
  state: string;
  ppid: number;
  pgrp: number;
}

function stat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    const [state = "", ppid = "0", pgrp = "0"] = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { pid, state, ppid: Number(ppid), pgrp: Number(pgrp) };
  } catch {
    return undefined;
  }
}

function allProcesses(): ProcStat[] {
  const out: ProcStat[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const s = stat(Number(name));
    if (s) out.push(s);
  }
  return out;
}

/** Whether a pid is a live process (a zombie counts as gone). */
export function alive(pid: number): boolean {
  const s = stat(pid);
  return s !== undefined && s.state !== "Z" && s.state !== "X";
}

/** Every live descendant of `pid`, with the process groups they lead (stdio backends get their own). */
export function descendants(pid: number): { pids: number[]; groups: number[] } {
  const all = allProcesses();
  const found = new Set<number>();
  let frontier = [pid];
  while (frontier.length > 0) {
    const next: number[] = [];
    for (const p of all) {
      if (frontier.includes(p.ppid) && !found.has(p.pid) && p.state !== "Z") {
        found.add(p.pid);
        next.push(p.pid);
      }
    }
    frontier = next;
  }
  const groups = [...new Set(all.filter((p) => found.has(p.pid) && p.pgrp !== pid).map((p) => p.pgrp))];
  return { pids: [...found], groups };
}

/** Of `pids` and members of `groups`, the processes still alive (after the gateway stopped). */
export function leftOver(before: { pids: number[]; groups: number[] }): number[] {
  const groups = new Set(before.groups);
  const live = allProcesses().filter(
    (p) => p.state !== "Z" && (groups.has(p.pgrp) || before.pids.includes(p.pid)),
  );
  return [...new Set(live.map((p) => p.pid))];
}

/** GET /metrics as text. */
export async function readMetrics(base: URL): Promise<string> {
  const res = await fetch(new URL("/metrics", base), { signal: AbortSignal.timeout(5_000) });
  return res.text();
}

/** One sample of a Prometheus text body whose labels include all of `labels` (the sum if several match). */
export function metricValue(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  let total: number | undefined;
  for (const line of text.split("\n")) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = new Map<string, string>();
    for (const pair of (m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
      have.set(pair[1] ?? "", pair[2] ?? "");
    if (Object.entries(labels).every(([k, v]) => have.get(k) === v)) total = (total ?? 0) + Number(m[3]);
  }
  return total;
}

/** `mcp_gateway_active_sessions` from /metrics. */
export async function activeSessions(base: URL): Promise<number | undefined> {
  return metricValue(await readMetrics(base), "mcp_gateway_active_sessions");
}

/** A backend's entry in GET /health. */
export async function backendHealth(
  base: URL,
  name: string,
): Promise<{ status: string; pid?: number; circuit?: string; restarts?: number } | undefined> {
  const res = await fetch(new URL("/health", base), { signal: AbortSignal.timeout(5_000) });
  const body = (await res.json()) as { backends: Record<string, { status: string; pid?: number }> };
  return body.backends[name];
}
