import type { GatewayConfig } from "./schema.ts";

/** What a new config changes about the running backends. */
export interface ConfigDiff {
  added: string[];
  removed: string[];
  changed: string[];
  /** Whether the capabilities section changed. */
  capabilities: boolean;
  /** Settings that only take effect after a restart (listener address, meta mode). */
  needsRestart: string[];
}

/**
 * Each enabled backend with a fingerprint of everything that shapes it: its own entry plus the global
 * settings it inherits (default timeout, lifecycle), so changing a default restarts the backends using it.
 */
function enabledBackends(config: GatewayConfig): Map<string, string> {
  const inherited = { request_timeout: config.server.request_timeout, lifecycle: config.lifecycle };
  // An HTTP backend's redirects follow the SSRF settings it was built with.
  const ssrf = ssrfSection(config);
  return new Map(
    Object.entries(config.backends)
      .filter(([, entry]) => entry.enabled)
      .map(([name, entry]) => [name, JSON.stringify([entry, inherited, entry.http_url ? ssrf : null])]),
  );
}

/** The global SSRF settings (HTTP backends and the capabilities backend are built with them). */
function ssrfSection(config: GatewayConfig): unknown {
  const { ssrf, allow_private_networks, allow_hosts } = config.firewall;
  return { ssrf, allow_private_networks, allow_hosts };
}

/** Compares two validated configs: which backends to add, stop or restart, and what needs a restart. */
export function diffConfig(before: GatewayConfig, after: GatewayConfig): ConfigDiff {
  const old = enabledBackends(before);
  const next = enabledBackends(after);
  const needsRestart: string[] = [];
  for (const key of ["host", "port", "max_body_size"] as const) {
    if (before.server[key] !== after.server[key]) needsRestart.push(`server.${key}`);
  }
  if (before.meta_mcp.enabled !== after.meta_mcp.enabled) needsRestart.push("meta_mcp.enabled");
  return {
    added: [...next.keys()].filter((name) => !old.has(name)),
    removed: [...old.keys()].filter((name) => !next.has(name)),
    changed: [...next.keys()].filter((name) => old.has(name) && old.get(name) !== next.get(name)),
    capabilities:
      JSON.stringify([before.capabilities, ssrfSection(before)]) !==
      JSON.stringify([after.capabilities, ssrfSection(after)]),
    needsRestart,
  };
}
