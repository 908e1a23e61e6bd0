import type { Gateway } from "../gateway/gateway.ts";
import { type ProgressStream, startProgress } from "./progress.ts";

/** Where a warm-up stands, from the `/health` body: backends whose tools are known, failed, and all. */
export interface WarmUpCounts {
  learned: number;
  total: number;
  failed: string[];
}

/** Counts the `/health` body's backends: tools known (running, sleeping, or from the manifest) or failed. */
export function warmUpCounts(health: Record<string, unknown>): WarmUpCounts {
  const backends = (health.backends ?? {}) as Record<string, { status?: string; tools_source?: string }>;
  const counts: WarmUpCounts = { learned: 0, total: 0, failed: [] };
  for (const [name, backend] of Object.entries(backends)) {
    counts.total++;
    if (backend.status === "error") counts.failed.push(name);
    else if (
      (backend.status !== "starting" && backend.status !== "configured") ||
      backend.tools_source === "manifest"
    )
      counts.learned++;
  }
  return counts;
}

/** The spinner's text, and (with `ms`) the one line left when warm-up ends. */
export function warmUpLine(counts: WarmUpCounts, ms?: number): string {
  const line = `backends learned ${counts.learned}/${counts.total}`;
  const failed = counts.failed.length > 0 ? ` — failed: ${counts.failed.join(", ")}` : "";
  if (ms === undefined) return `${line}${failed}`;
  const hint = failed ? " (mcp-gateway doctor says why)" : "";
  return `${line} in ${(ms / 1000).toFixed(1)} s${failed}${hint}`;
}

/**
 * `serve` on a terminal: "backends learned n/N" on stderr while the first start of every backend runs,
 * then one final line. Nothing when stderr is not a TTY or there are no backends.
 */
export async function showWarmUp(
  gateway: Pick<Gateway, "health" | "ready">,
  options: {
    /** @default process.stderr */
    stream?: ProgressStream;
    /** @default performance.now */
    now?: () => number;
    /** How often the counts are read again. @default 100 */
    refreshMs?: number;
  } = {},
): Promise<void> {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? (() => performance.now());
  const started = now();
  if (stream.isTTY !== true || warmUpCounts(gateway.health()).total === 0) return;
  const progress = startProgress(warmUpLine(warmUpCounts(gateway.health())), { stream, interleave: true });
  const refresh = setInterval(
    () => progress.update(warmUpLine(warmUpCounts(gateway.health()))),
    options.refreshMs ?? 100,
  );
  refresh.unref();
  await gateway.ready;
  clearInterval(refresh);
  progress.done(warmUpLine(warmUpCounts(gateway.health()), now() - started));
}
