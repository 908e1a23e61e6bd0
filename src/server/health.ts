import type { Gateway } from "../gateway.ts";
import { VERSION } from "../version.ts";

/** Body of `GET /health`: overall status plus each backend's state (never secrets). */
export function healthReport(gateway: Gateway, now: () => number = Date.now): Record<string, unknown> {
  const backends: Record<string, unknown> = {};
  let failed = 0;
  const snapshots = gateway.pool.snapshots();
  for (const s of snapshots) {
    if (s.status === "error") failed++;
    backends[s.name] = {
      status: s.status,
      transport: s.transport,
      tools: s.tools,
      tools_source: s.toolsSource,
      restarts: s.restarts,
      last_error: s.lastError ?? null,
      ...(s.pid !== undefined ? { pid: s.pid } : {}),
    };
  }
  return {
    status: failed === 0 ? "ok" : failed === snapshots.length ? "unhealthy" : "degraded",
    version: VERSION,
    uptime_s: Math.floor((now() - gateway.startedAt) / 1000),
    tools: gateway.catalog.entries().length,
    backends,
  };
}
