/**
 * CPU time a process has used, from /proc/PID/stat (utime + stime), and a sampler that turns two readings
 * into cores used: the figure a Kubernetes CPU request is written in (1 = one core, 0.1 = 100m).
 */
import { readFileSync } from "node:fs";

/** Kernel clock ticks per second (USER_HZ): 100 on every Linux the benches run on. */
const CLOCK_TICKS = Number(Bun.spawnSync(["getconf", "CLK_TCK"]).stdout.toString().trim()) || 100;

/** User + system CPU seconds of `pid` so far, or undefined once it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces): state is [0], utime [11], stime [12].
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** Starts a CPU measurement of `pid`; the returned function gives the cores used since (CPU s / wall s). */
export function cpuMeter(pid: number): () => number {
  const cpu = cpuSeconds(pid) ?? 0;
  const wall = performance.now();
  return () => ((cpuSeconds(pid) ?? cpu) - cpu) / ((performance.now() - wall) / 1000);
}
