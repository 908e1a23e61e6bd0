import type { FirewallConfig, GatewayConfig } from "../config/schema.ts";
import type { SsrfSettings } from "./ssrf.ts";

/** One backend's firewall settings: the `firewall` section under its own overrides. */
export type FirewallSettings = Required<Omit<FirewallConfig, "patterns" | "paths">> & {
  trust: "pin" | "auto";
  /** The folder path arguments must stay in, if any. */
  pathRoot: string | undefined;
};

/**
 * The settings a backend's checks follow: `backends.NAME.firewall` (or `capabilities.firewall` for the
 * capabilities backend) over the `firewall` section; `allow_hosts` of both count.
 */
export function firewallSettings(config: GatewayConfig, server: string): FirewallSettings {
  const base = config.firewall;
  const backend = config.backends[server];
  const capabilities = server === config.capabilities.name && !backend;
  const own = (capabilities ? config.capabilities.firewall : backend?.firewall) ?? {};
  return {
    pinning: own.pinning ?? base.pinning,
    poisoning: own.poisoning ?? base.poisoning,
    redaction: own.redaction ?? base.redaction,
    arguments: own.arguments ?? base.arguments,
    ssrf: own.ssrf ?? base.ssrf,
    allow_private_networks: own.allow_private_networks ?? base.allow_private_networks,
    allow_hosts: [...base.allow_hosts, ...(own.allow_hosts ?? [])],
    pathRoot: own.paths?.root ?? base.paths.root,
    // The capabilities backend's definitions are the user's own files (with their own sha256 pins).
    trust: backend?.trust ?? (capabilities ? "auto" : "pin"),
  };
}

/** The SSRF guard's settings of one backend. */
export function ssrfSettings(config: GatewayConfig, server: string): SsrfSettings {
  const s = firewallSettings(config, server);
  return { policy: s.ssrf, allowPrivateNetworks: s.allow_private_networks, allowHosts: s.allow_hosts };
}
