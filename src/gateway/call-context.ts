import type { SessionPeer } from "./session-hub.ts";

/** What a session sees: the 4 meta-tools, every tool prefixed (transparent), or one backend's own tools. */
export type Surface = { kind: "meta" } | { kind: "transparent" } | { kind: "direct"; backend: string };

/**
 * Who is calling. Without an `auth:` section (and on stdio) every caller is the same anonymous principal;
 * with one, the HTTP front end lets only authenticated principals through.
 */
export interface Principal {
  /** Stable id for logs, audit and scopes (`key:<name>` for an API key). */
  readonly id: string;
  /**
   * What it may do (`admin`, `profile:<name>`, `server` or `server/tool` globs); undefined for a caller the
   * process trusts whole (no auth configured, stdio, in-process).
   */
  readonly scopes?: readonly string[] | undefined;
  /** Requests per second it may send to backends. @default unlimited */
  readonly rate?: number | undefined;
}

/** The caller of every request when nothing authenticates (no `auth:` section, stdio). */
export const ANONYMOUS: Principal = Object.freeze({ id: "anonymous" });

/** One progress notification a backend sent for a request. */
export interface ProgressUpdate {
  progress: number;
  total?: number;
  message?: string;
}

/**
 * Everything the gateway knows about one client request, carried from the front end to the backend: who
 * asked, on which session and surface, how to cancel it and where its progress goes.
 */
export interface CallContext {
  principal: Principal;
  /** The client session; backend requests made during the call (sampling, elicitation) go back to it. */
  session: SessionPeer;
  surface: Surface;
  /** The client's JSON-RPC id of this request, when it has one. */
  requestId?: string | number | undefined;
  signal?: AbortSignal | undefined;
  onProgress?: ((update: ProgressUpdate) => void) | undefined;
}
