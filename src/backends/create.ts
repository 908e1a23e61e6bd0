import type { ConsolaInstance } from "consola";
import type { BackendConfig } from "../config/schema.ts";
import type { SsrfSettings } from "../firewall/ssrf.ts";
import { scrubbedLog } from "../log.ts";
import { scrubber, secretsOf } from "../redact.ts";
import type { TransportKind } from "./backend.ts";
import { splitCommandLine } from "./command-line.ts";
import type { HttpBackendOptions } from "./http-transports.ts";
import type { ManifestStore } from "./manifest.ts";
import { McpBackend } from "./mcp-backend.ts";
import { StdioEraTransport } from "./modern-stdio.ts";
import type { Timers } from "./restart-backoff.ts";
import { type SpawnFn, SpawnTransport } from "./spawn-transport.ts";
import { isSseUrl } from "./sse-url.ts";
import type { BackendTransport } from "./transport.ts";
import { isWebSocketUrl, WebSocketBackendTransport } from "./ws-transport.ts";

/** The transport a backend entry names before any probing: explicit, stdio for `command`, else by URL. */
export function transportKind(config: BackendConfig): TransportKind {
  if (config.transport) return config.transport;
  if (config.command !== undefined) return "stdio";
  const url = new URL(config.http_url ?? "http://invalid");
  if (isWebSocketUrl(url)) return "websocket";
  return isSseUrl(url) ? "sse" : "streamable-http";
}

/** Builds the backend object for one config entry (nothing starts until `start()`): stdio, HTTP or WebSocket. */
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
    /** The SSRF guard's settings for redirects of an HTTP backend. @default block */
    ssrf?: SsrfSettings;
  },
): McpBackend {
  const redact = scrubber(secretsOf(config.http_url, config.headers));
  const log = scrubbedLog(options.log, redact);
  let connect: () => BackendTransport | Promise<BackendTransport>;
  if (config.command !== undefined) {
    const argv = [...splitCommandLine(config.command), ...config.args];
    // A stdio server that refuses initialize for 2026-07-28 is spoken to in that revision on the same pipe.
    connect = () =>
      new StdioEraTransport(
        new SpawnTransport({
          argv,
          env: config.env,
          inheritEnv: config.inherit_env,
          cwd: config.cwd,
          onStderr: (line) => log.debug(line),
          ...(options.spawn ? { spawn: options.spawn } : {}),
        }),
      );
  } else if (transportKind(config) === "websocket") {
    const url = new URL(config.http_url ?? "");
    connect = () => new WebSocketBackendTransport({ url, headers: config.headers });
  } else {
    connect = lazyHttpTransport({
      url: new URL(config.http_url ?? ""),
      headers: config.headers,
      transport: config.transport,
      ssrf: options.ssrf && { settings: options.ssrf, name, log },
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

/**
 * An HTTP backend's transports, their module (the SDK's HTTP and SSE clients, eventsource, the 2026 probe)
 * loaded when the backend first connects rather than at every start.
 */
function lazyHttpTransport(options: HttpBackendOptions): () => Promise<BackendTransport> {
  let factory: Promise<() => Promise<BackendTransport>> | undefined;
  return async () => {
    factory ??= import("./http-transports.ts").then((m) => m.httpTransportFactory(options));
    return (await factory)();
  };
}
