import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { ConsolaInstance } from "consola";
import type { BackendConfig } from "../config/schema.ts";
import type { TransportKind } from "./backend.ts";
import { splitCommandLine } from "./command-line.ts";
import { type BackendTransport, McpBackend } from "./mcp-backend.ts";
import { type SpawnFn, SpawnTransport } from "./spawn-transport.ts";

/** Which transport a backend entry asks for: explicit `transport`, else stdio for `command`, else by URL. */
export function transportKind(config: BackendConfig): TransportKind {
  if (config.transport) return config.transport;
  if (config.command !== undefined) return "stdio";
  const url = new URL(config.http_url ?? "http://invalid");
  return url.pathname.replace(/\/+$/, "").endsWith("/sse") ? "sse" : "streamable-http";
}

/** Builds the backend object for one config entry (nothing starts until `start()`). */
export function createBackend(
  name: string,
  config: BackendConfig,
  options: { defaultTimeoutMs: number; log: ConsolaInstance; spawn?: SpawnFn; now?: () => number },
): McpBackend {
  const kind = transportKind(config);
  const log = options.log;
  const connect = (): BackendTransport => {
    if (kind === "stdio") {
      const argv = [...splitCommandLine(config.command ?? ""), ...config.args];
      return new SpawnTransport({
        argv,
        env: config.env,
        cwd: config.cwd,
        onStderr: (line) => log.debug(line),
        ...(options.spawn ? { spawn: options.spawn } : {}),
      });
    }
    const url = new URL(config.http_url ?? "");
    const requestInit = { headers: config.headers };
    return kind === "sse"
      ? new SSEClientTransport(url, { requestInit })
      : new StreamableHTTPClientTransport(url, { requestInit });
  };
  return new McpBackend({
    name,
    description: config.description,
    transport: kind,
    connect,
    timeoutMs: config.timeout ?? options.defaultTimeoutMs,
    log,
    ...(options.now ? { now: options.now } : {}),
  });
}
