import type { ConsolaInstance } from "consola";
import { CapabilityBackend } from "../capabilities/backend.ts";
import type { BackendConfig, GatewayConfig } from "../config/schema.ts";
import { log, scrubbedLog } from "../log.ts";
import { scrubber, secretsOf } from "../redact.ts";
import { cacheDir } from "../user-dirs.ts";
import type { Backend, TransportKind } from "./backend.ts";
import { splitCommandLine } from "./command-line.ts";
import { httpTransportFactory, isSseUrl } from "./http-transports.ts";
import { ManifestStore, manifestKey } from "./manifest.ts";
import { McpBackend } from "./mcp-backend.ts";
import type { Timers } from "./restart-backoff.ts";
import { type SpawnFn, SpawnTransport } from "./spawn-transport.ts";
import type { BackendTransport } from "./transport.ts";

/** The transport a backend entry names before any probing: explicit, stdio for `command`, else by URL. */
export function transportKind(config: BackendConfig): TransportKind {
  if (config.transport) return config.transport;
  if (config.command !== undefined) return "stdio";
  const url = new URL(config.http_url ?? "http://invalid");
  return isSseUrl(url) ? "sse" : "streamable-http";
}

/** Builds the backend object for one config entry (nothing starts until `start()`). */
export function createBackend(
  name: string,
  config: BackendConfig,
  options: {
    defaultTimeoutMs: number;
    log: ConsolaInstance;
    spawn?: SpawnFn;
    now?: () => number;
    idleTimeoutMs?: number;
    pingIntervalMs?: number;
    manifest?: { store: ManifestStore; key: string };
    timers?: Timers;
  },
): McpBackend {
  const redact = scrubber(secretsOf(config.http_url, config.headers));
  const log = scrubbedLog(options.log, redact);
  let connect: () => BackendTransport | Promise<BackendTransport>;
  if (config.command !== undefined) {
    const argv = [...splitCommandLine(config.command), ...config.args];
    connect = () =>
      new SpawnTransport({
        argv,
        env: config.env,
        inheritEnv: config.inherit_env,
        cwd: config.cwd,
        onStderr: (line) => log.debug(line),
        ...(options.spawn ? { spawn: options.spawn } : {}),
      });
  } else {
    connect = httpTransportFactory({
      url: new URL(config.http_url ?? ""),
      headers: config.headers,
      transport: config.transport,
    });
  }
  return new McpBackend({
    name,
    description: config.description,
    transport: transportKind(config),
    connect,
    timeoutMs: config.timeout ?? options.defaultTimeoutMs,
    maxTimeoutMs: config.max_timeout,
    forwardRoots: config.forward_roots,
    idleTimeoutMs: options.idleTimeoutMs ?? 0,
    pingIntervalMs: options.pingIntervalMs ?? 0,
    manifest: options.manifest,
    ...(options.timers ? { timers: options.timers } : {}),
    redact,
    log,
    ...(options.now ? { now: options.now } : {}),
  });
}

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
  const lifecycle = config.lifecycle;
  const store = new ManifestStore(lifecycle.cache_dir ?? cacheDir());
  return createBackend(name, entry, {
    defaultTimeoutMs: config.server.request_timeout,
    log: log.withTag(name),
    idleTimeoutMs: entry.idle_timeout ?? lifecycle.idle_timeout,
    pingIntervalMs: lifecycle.health_check_interval,
    manifest: { store, key: manifestKey(name, entry) },
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
    directories: caps.directories,
    defaultTimeoutMs: config.server.request_timeout,
    log: log.withTag(caps.name),
  });
}

/** Every backend a config asks for, of whichever kind: its enabled entries, then the capabilities backend. */
export function backendsFromConfig(config: GatewayConfig, options: BuildOptions = {}): Backend[] {
  const backends: Backend[] = [];
  for (const name of Object.keys(config.backends)) {
    const backend = buildBackend(name, config, options);
    if (backend) backends.push(backend);
  }
  const capabilities = buildCapabilities(config);
  if (capabilities) backends.push(capabilities);
  return backends;
}
