import type { Tool } from "@modelcontextprotocol/sdk/types.js";

/** Lifecycle state of one backend as shown in /health and gateway_list_servers. */
export type BackendStatus = "stopped" | "starting" | "running" | "error";

/** How the gateway talks to a backend. */
export type TransportKind = "stdio" | "streamable-http" | "sse";

/** A point-in-time view of a backend, safe to serialise (no secrets). */
export interface BackendSnapshot {
  name: string;
  description: string;
  transport: TransportKind;
  status: BackendStatus;
  tools: number;
  restarts: number;
  lastError: string | undefined;
  pid: number | undefined;
}

/** Per-call options for relaying a request to a backend. */
export interface CallOptions {
  signal?: AbortSignal | undefined;
  /** Called for each progress notification the backend sends for this request. */
  onProgress?: ((progress: { progress: number; total?: number; message?: string }) => void) | undefined;
}

/** One MCP server behind the gateway, whatever its transport. */
export interface Backend {
  readonly name: string;
  readonly description: string;
  readonly transport: TransportKind;
  /** The last known tool list (empty until the first successful listing). */
  readonly tools: readonly Tool[];
  /** When the tool list was last read from the backend (ms since epoch), if ever. */
  readonly toolsListedAt: number | undefined;
  snapshot(): BackendSnapshot;
  /** Starts (or restarts) the backend and learns its tools; resolves once it can take calls. */
  start(): Promise<void>;
  /** Calls a tool and returns the backend's result object untouched. */
  callTool(
    name: string,
    args: Record<string, unknown>,
    options?: CallOptions,
  ): Promise<Record<string, unknown>>;
  /** Re-reads the tool list from the backend. */
  refreshTools(): Promise<void>;
  stop(): Promise<void>;
  /** Registers a listener for tool-list changes; returns an unsubscribe function. */
  onToolsChanged(listener: () => void): () => void;
}
