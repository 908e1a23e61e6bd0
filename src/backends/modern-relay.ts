import { AsyncLocalStorage } from "node:async_hooks";

/**
 * What a 2026-07-28 client's request asks of a 2026-07-28 backend it reaches: that an `input_required`
 * answer (or a tasks-extension CreateTaskResult) comes back as it is (the client fulfils it and retries, or
 * follows the task), with the client's own capabilities in the envelope (so the backend sees whether the
 * client declared the tasks extension, on `tools/call` and on `tasks/*` alike) and, on a retry, the client's
 * `inputResponses` and the backend's `requestState`.
 */
export interface ModernRelay {
  /** The client's declared capabilities (what the backend may ask it for). */
  clientCapabilities?: Record<string, unknown> | undefined;
  /** A retry's answers to the backend's input requests, by the backend's keys. */
  inputResponses?: Record<string, unknown> | undefined;
  /** The backend's own `requestState`, echoed byte for byte. */
  requestState?: string | undefined;
}

// The request travels through the facade, the pipeline, the failsafes and the SDK 1.x client, none of
// which has room for per-request protocol options (and a `_meta` marker would reach 2025 backends): the
// relay rides in the async context instead, read only by the modern transport.
const store = new AsyncLocalStorage<ModernRelay>();

/** Runs `fn` so that the 2026-07-28 backends it calls relay `input_required` to the caller as it is. */
export function relayingInputRequired<T>(relay: ModernRelay, fn: () => Promise<T>): Promise<T> {
  return store.run(relay, fn);
}

/** The relay of the request being sent, if it came from a 2026-07-28 client that can take it. */
export function currentRelay(): ModernRelay | undefined {
  return store.getStore();
}
