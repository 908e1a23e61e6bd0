import type { Backend } from "../backends/backend.ts";
import { createBackend } from "../backends/create.ts";
import { ManifestStore, manifestKey } from "../backends/manifest.ts";
import type { SpawnFn } from "../backends/spawn-transport.ts";
import { UnresolvedBackend } from "../backends/unresolved-backend.ts";
import { CapabilityBackend } from "../capabilities/backend.ts";
import { unresolvedVariables } from "../config/load.ts";
import type { GatewayConfig } from "../config/schema.ts";
import { ssrfSettings } from "../firewall/settings.ts";
import { log } from "../log.ts";
import { cacheDir } from "../user-dirs.ts";
import { WEBHOOKS_BACKEND, WebhookBackend } from "../webhooks/backend.ts";

// The one place that knows every kind of backend: MCP servers (src/backends/) and the REST capabilities
// (src/capabilities/). Neither folder imports the other.

/** Options for building backends from config. */
export interface BuildOptions {
  spawn?: SpawnFn;
  now?: () => number;
}

/** Builds the MCP backend of one config entry with the lifecycle settings and manifest store applied. */
export function buildBackend(
  name: string,
  config: GatewayConfig,
  options: BuildOptions = {},
): Backend | undefined {
  const entry = config.backends[name];
  if (!entry?.enabled) return undefined;
  const unset = unresolvedVariables(entry);
  if (unset) {
    const transport = entry.http_url ? (entry.transport === "sse" ? "sse" : "streamable-http") : "stdio";
    return new UnresolvedBackend(name, { description: entry.description, transport, variables: unset });
  }
  const lifecycle = config.lifecycle;
  const store = new ManifestStore(lifecycle.cache_dir ?? cacheDir());
  return createBackend(name, entry, {
    defaultTimeoutMs: config.server.request_timeout,
    log: log.withTag(name),
    idleTimeoutMs: entry.idle_timeout ?? lifecycle.idle_timeout,
    pingIntervalMs: lifecycle.health_check_interval,
    manifest: { store, key: manifestKey(name, entry) },
    ssrf: ssrfSettings(config, name),
    ...(options.spawn ? { spawn: options.spawn } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
}

/** The REST capabilities backend, when enabled and its name is free. */
export function buildCapabilities(config: GatewayConfig): Backend | undefined {
  const caps = config.capabilities;
  if (!caps.enabled) return undefined;
  if (config.backends[caps.name] !== undefined) {
    log.warn(`a backend is already named "${caps.name}"; set capabilities.name to serve capabilities`);
    return undefined;
  }
  return new CapabilityBackend({
    name: caps.name,
    builtin: caps.builtin,
    ssrf: ssrfSettings(config, caps.name),
    directories: caps.directories,
    defaultTimeoutMs: config.server.request_timeout,
    log: log.withTag(caps.name),
  });
}

/** The webhooks backend (`webhook://{name}/latest` resources, the events tool), when any is configured. */
export function buildWebhooks(config: GatewayConfig, options: BuildOptions = {}): Backend | undefined {
  if (Object.keys(config.webhooks).length === 0) return undefined;
  if (config.backends[WEBHOOKS_BACKEND] !== undefined) {
    log.warn(`a backend is already named "${WEBHOOKS_BACKEND}"; rename it to receive webhooks`);
    return undefined;
  }
  return new WebhookBackend(config.webhooks, {
    log: log.withTag(WEBHOOKS_BACKEND),
    ...(options.now ? { now: options.now } : {}),
  });
}

/**
 * Every backend a config asks for, of whichever kind: its enabled entries, then the capabilities backend,
 * then the webhooks.
 */
export function backendsFromConfig(config: GatewayConfig, options: BuildOptions = {}): Backend[] {
  const backends: Backend[] = [];
  for (const name of Object.keys(config.backends)) {
    const backend = buildBackend(name, config, options);
    if (backend) backends.push(backend);
  }
  const capabilities = buildCapabilities(config);
  if (capabilities) backends.push(capabilities);
  const webhooks = buildWebhooks(config, options);
  if (webhooks) backends.push(webhooks);
  return backends;
}
