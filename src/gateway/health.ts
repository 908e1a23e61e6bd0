import type { QuarantinedTool } from "../firewall/firewall.ts";
import type { PoisonFinding } from "../firewall/poisoning.ts";
import { VERSION } from "../version.ts";
import type { GatewayCore } from "./core.ts";

/** Body of `GET /health`: overall status (`starting` during warm-up) plus each backend's state (never secrets). */
export function healthReport(gateway: GatewayCore): Record<string, unknown> {
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
      circuit: gateway.policy(s.name).circuitState ?? "disabled",
      ...(s.pid !== undefined ? { pid: s.pid } : {}),
      ...firewallState(gateway, s.name),
    };
  }
  return {
    // Until the first start of every backend settles, "ok" would be a guess: say so.
    status: gateway.warmingUp
      ? "starting"
      : failed === 0
        ? "ok"
        : failed === snapshots.length
          ? "unhealthy"
          : "degraded",
    version: VERSION,
    uptime_s: Math.floor((gateway.now() - gateway.startedAt) / 1000),
    tools: gateway.catalog.entries().length,
    ...(gateway.cluster ? { cluster: gateway.cluster.snapshot() } : {}),
    backends,
  };
}

/** A backend's quarantined tools and poisoning findings, when it has any (for /health and list_servers). */
export function firewallState(
  gateway: GatewayCore,
  server: string,
): { quarantined?: QuarantinedTool[]; findings?: Record<string, PoisonFinding[]> } {
  gateway.catalog.entries(); // the firewall has seen the current lists
  const quarantined = gateway.firewall.quarantined(server);
  const findings = gateway.firewall.findings(server);
  return {
    ...(quarantined.length > 0 ? { quarantined } : {}),
    ...(Object.keys(findings).length > 0 ? { findings } : {}),
  };
}

/** Body of `GET /metrics`: refreshes the gauges that are read at scrape time, then renders. */
export function metricsText(gateway: GatewayCore, activeSessions: number): string {
  const metrics = gateway.metrics;
  metrics.setActiveSessions(activeSessions);
  for (const s of gateway.pool.snapshots()) {
    metrics.setBackendState(s.name, s.status);
    metrics.setCatalogTools(s.name, s.tools);
    const circuit = gateway.policy(s.name).circuitState;
    if (circuit) metrics.setCircuitState(s.name, circuit);
    metrics.setBackendRestarts(s.name, s.restarts);
  }
  return metrics.render();
}
