import { AsyncLocalStorage } from "node:async_hooks";

type HeadersInit = RequestInit["headers"];

/**
 * The W3C `traceparent` of the backend call running in this async context, for the HTTP requests it makes
 * (HTTP backends, REST capabilities). Nothing here loads OpenTelemetry: with telemetry off the store is never
 * entered and every lookup answers undefined.
 */
const current = new AsyncLocalStorage<string>();
let entered = false;

/** Runs `fn` with `traceparent` as the context its HTTP requests carry. */
export function withTraceparent<T>(traceparent: string, fn: () => T): T {
  entered = true;
  return current.run(traceparent, fn);
}

/** The `traceparent` to send from here, if a traced call is running. */
export function outgoingTraceparent(): string | undefined {
  return entered ? current.getStore() : undefined;
}

/** Headers plus `traceparent` when a traced call is running (the input itself otherwise). */
export function withTraceHeader(headers: HeadersInit | undefined): HeadersInit | undefined {
  const traceparent = outgoingTraceparent();
  if (traceparent === undefined) return headers;
  const merged = new Headers(headers);
  merged.set("traceparent", traceparent);
  return merged;
}

/** A fetch that adds the running call's `traceparent` to every request it sends. */
export function tracedFetch(inner: typeof fetch): typeof fetch {
  const traced = (input: Parameters<typeof fetch>[0], init?: RequestInit): Promise<Response> => {
    if (outgoingTraceparent() === undefined) return inner(input, init);
    if (input instanceof Request && init?.headers === undefined) {
      return inner(new Request(input, { headers: withTraceHeader(input.headers) }), init);
    }
    return inner(input, { ...init, headers: withTraceHeader(init?.headers) });
  };
  return Object.assign(traced, { preconnect: inner.preconnect }) as typeof fetch;
}
