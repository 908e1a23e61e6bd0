import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { VERSION } from "../version.ts";
import { DEFAULT_DISCOVER_PORTS } from "./discover-ports.ts";
import { limitedFetch } from "./limited-fetch.ts";

/**
 * `import --discover`: MCP servers already running on this machine, found by asking a short list of
 * loopback ports for `initialize` (Streamable HTTP at `/mcp`, then legacy SSE at `/sse`) with the SDK client.
 * Only 127.0.0.1; bounded per port, in total, and in bytes read.
 */

/** One MCP server that answered. */
export interface DiscoveredServer {
  url: string;
  transport: "streamable-http" | "sse";
  /** `serverInfo.name` and `.version` from its initialize answer. */
  name: string;
  version: string;
  /** How many tools it lists (first page), when it answered tools/list in time. */
  tools: number | undefined;
  /** Another mcp-gateway: shown, never imported (it would relay to itself). */
  gateway: boolean;
}

/** What a scan found, and the ports it asked. */
export interface DiscoveryReport {
  found: DiscoveredServer[];
  ports: number[];
  /** Ports whose answer did not come within the per-port time (something listens, slowly or not MCP). */
  slow: number[];
}

/** Options of {@link discoverServers}. */
export interface DiscoverOptions {
  /** @default DEFAULT_DISCOVER_PORTS */
  ports?: readonly number[];
  /** Time one port gets for both probes. @default 1500 */
  perPortMs?: number;
  /** Time the whole scan gets. @default 5000 */
  totalMs?: number;
  /** Ports asked at the same time. @default 8 */
  concurrency?: number;
  /** Bytes read from one answer. @default 1 MiB */
  maxBytes?: number;
  signal?: AbortSignal;
}

const PATHS = [
  { path: "/mcp", transport: "streamable-http" },
  { path: "/sse", transport: "sse" },
] as const;

/** Asks each port on 127.0.0.1 whether an MCP server answers there; never throws for a port. */
export async function discoverServers(options: DiscoverOptions = {}): Promise<DiscoveryReport> {
  const ports = [...new Set(options.ports ?? DEFAULT_DISCOVER_PORTS)];
  const perPortMs = options.perPortMs ?? 1500;
  const total = AbortSignal.any([
    AbortSignal.timeout(options.totalMs ?? 5000),
    ...(options.signal ? [options.signal] : []),
  ]);
  const maxBytes = options.maxBytes ?? 1024 * 1024;
  const report: DiscoveryReport = { found: [], ports, slow: [] };
  const queue = [...ports];
  const worker = async (): Promise<void> => {
    for (let port = queue.shift(); port !== undefined && !total.aborted; port = queue.shift()) {
      const signal = AbortSignal.any([total, AbortSignal.timeout(perPortMs)]);
      let answered: DiscoveredServer | undefined;
      for (const { path, transport } of PATHS) {
        answered = await probe(`http://127.0.0.1:${port}${path}`, transport, { signal, maxBytes });
        if (answered || signal.aborted) break;
      }
      if (answered) report.found.push(answered);
      else if (signal.aborted) report.slow.push(port);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 8) }, worker));
  report.found.sort((a, b) => ports.indexOf(portOf(a.url)) - ports.indexOf(portOf(b.url)));
  return report;
}

function portOf(url: string): number {
  return Number(new URL(url).port);
}

/** One initialize (then tools/list) at one URL; undefined when nothing MCP answers there. */
async function probe(
  url: string,
  transport: DiscoveredServer["transport"],
  options: { signal: AbortSignal; maxBytes: number },
): Promise<DiscoveredServer | undefined> {
  // Too large an answer ends this probe at once (the SDK would otherwise wait for the time bound).
  const tooLarge = new AbortController();
  const signal = AbortSignal.any([options.signal, tooLarge.signal]);
  const fetch = limitedFetch(options.maxBytes, { onExceeded: () => tooLarge.abort() });
  const init = { requestInit: { redirect: "manual" as const }, fetch };
  const wire: Transport =
    transport === "sse"
      ? new SSEClientTransport(new URL(url), init)
      : new StreamableHTTPClientTransport(new URL(url), { ...init, reconnectionOptions: NO_RECONNECT });
  const client = new Client({ name: "mcp-gateway-discover", version: VERSION }, { capabilities: {} });
  const abort = (): void => void wire.close().catch(() => undefined);
  signal.addEventListener("abort", abort, { once: true });
  try {
    if (signal.aborted) return undefined;
    // Raced with the signal too: the SDK's SSE transport may wait forever for its endpoint event once closed.
    await untilAborted(client.connect(wire, { signal }), signal);
    const info = client.getServerVersion();
    if (!info) return undefined;
    const tools = client.getServerCapabilities()?.tools
      ? await untilAborted(client.listTools(undefined, { signal }), signal)
          .then((r) => r.tools.length)
          .catch(() => undefined)
      : 0;
    return {
      url,
      transport,
      name: String(info.name),
      version: String(info.version),
      tools,
      gateway: info.name === "mcp-gateway",
    };
  } catch {
    return undefined;
  } finally {
    signal.removeEventListener("abort", abort);
    // A Streamable HTTP session is ended with DELETE, so the server keeps nothing of the probe.
    if (wire instanceof StreamableHTTPClientTransport && wire.sessionId)
      await untilAborted(wire.terminateSession(), AbortSignal.timeout(500)).catch(() => undefined);
    await client.close().catch(() => undefined);
  }
}

/** The promise, or a rejection as soon as the signal aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const stop = (): void => reject(signal.reason);
    if (signal.aborted) return stop();
    signal.addEventListener("abort", stop, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", stop));
  });
}

const NO_RECONNECT = {
  initialReconnectionDelay: 1000,
  maxReconnectionDelay: 1000,
  reconnectionDelayGrowFactor: 1,
  maxRetries: 0,
};

/** A short description of why a scan found nothing, for the CLI. */
export function describeScan(report: DiscoveryReport, ms: number): string {
  const slow = report.slow.length > 0 ? `; no answer in time from ${report.slow.join(", ")}` : "";
  return `asked 127.0.0.1 ports ${report.ports.join(", ")} in ${(ms / 1000).toFixed(1)} s${slow}`;
}
