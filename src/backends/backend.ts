import type {
  Prompt,
  Resource,
  ResourceTemplate,
  ServerCapabilities,
  Tool,
} from "@modelcontextprotocol/sdk/types.js";

/**
 * Lifecycle state of one backend as shown in /health and gateway_list_servers: `configured` (never
 * started), `starting`, `running`, `sleeping` (stopped while idle; wakes on the next call), `error`
 * (failed to start or died; retried), `stopped` (shut down).
 */
export type BackendStatus = "configured" | "starting" | "running" | "sleeping" | "error" | "stopped";

/** Where a backend's tool list came from: the live server, the on-disk manifest, or nowhere yet. */
export type ToolsSource = "live" | "manifest" | "none";

/** How the gateway talks to a backend. */
export type TransportKind = "stdio" | "streamable-http" | "sse" | "websocket" | "rest" | "webhook";

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
  toolsSource: ToolsSource;
}

/** Per-request options for relaying a request to a backend. */
export interface CallOptions {
  signal?: AbortSignal | undefined;
  /** Called for each progress notification the backend sends for this request. */
  onProgress?: ((progress: { progress: number; total?: number; message?: string }) => void) | undefined;
}

/** A JSON-RPC notification a backend sent that clients may want (log messages, resource updates). */
export interface BackendNotification {
  method: string;
  params?: Record<string, unknown> | undefined;
}

/** Which of a backend's lists changed. */
export type ListKind = "tools" | "resources" | "prompts";

/**
 * Answers a request the backend sends to the client (sampling/createMessage, elicitation/create,
 * roots/list). The gateway routes it to the client session whose call caused it.
 */
export type ClientRequestHandler = (
  method: string,
  params: Record<string, unknown> | undefined,
  signal: AbortSignal,
) => Promise<Record<string, unknown>>;

/** One MCP server behind the gateway, whatever its transport. */
export interface Backend {
  readonly name: string;
  readonly description: string;
  readonly transport: TransportKind;
  /** The last known tool list (empty until the first successful listing). */
  readonly tools: readonly Tool[];
  // Resources, prompts and raw relay are optional: a backend that only has tools (REST capabilities)
  // leaves them out and the gateway treats it as having none.
  readonly resources?: readonly Resource[];
  readonly resourceTemplates?: readonly ResourceTemplate[];
  readonly prompts?: readonly Prompt[];
  /** What the backend declared at initialize (undefined before it first started). */
  readonly capabilities?: ServerCapabilities | undefined;
  /** When the tool list was last read from the backend (ms since epoch), if ever. */
  readonly toolsListedAt: number | undefined;
  snapshot(): BackendSnapshot;
  /** Starts (or restarts) the backend and learns its lists; resolves once it can take calls. */
  start(): Promise<void>;
  /** Calls a tool and returns the backend's result object untouched. */
  callTool(
    name: string,
    args: Record<string, unknown>,
    options?: CallOptions,
  ): Promise<Record<string, unknown>>;
  /** Relays any request (resources/read, prompts/get, completion/complete, …) and returns the raw result. */
  request?(
    method: string,
    params: Record<string, unknown> | undefined,
    options?: CallOptions,
  ): Promise<Record<string, unknown>>;
  /** Re-reads the tool list from the backend. */
  refreshTools(): Promise<void>;
  stop(): Promise<void>;
  /** Registers a listener for list changes; returns an unsubscribe function. */
  onToolsChanged(listener: (kind?: ListKind) => void): () => void;
  /** Registers a listener for notifications meant for clients; returns an unsubscribe function. */
  onNotification?(listener: (notification: BackendNotification) => void): () => void;
  /** Sets who answers the backend's requests to the client. */
  setClientRequestHandler?(handler: ClientRequestHandler): void;
  /** Periodic housekeeping (idle sleep, health ping); `now` in ms since epoch. */
  tick?(now: number): void;
}
