import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { z } from "zod";
import { GatewayError } from "../errors.ts";
import { withTraceMeta } from "../telemetry/trace-context.ts";

/** One progress notification, as relayed to the caller. */
export interface Progress {
  progress: number;
  total?: number;
  message?: string;
}

// Results are relayed untouched: a loose object keeps every field the backend sent.
const RawResult = z.looseObject({});
const Page = z.looseObject({ nextCursor: z.string().optional() });

/**
 * Routes a backend's progress notifications to the request they belong to, before the SDK sees them. The
 * SDK's own `onprogress` drops a notification that arrives in the same read as the result (its handler is
 * gone by the time notifications are dispatched); this routing is synchronous, in arrival order.
 */
export class ProgressRouter {
  #seq = 0;
  readonly #handlers = new Map<string, (progress: Progress) => void>();

  /** A fresh progress token whose notifications go to `handler` until `done()`. */
  register(handler: (progress: Progress) => void): { token: string; done: () => void } {
    const token = `gw-${++this.#seq}`;
    this.#handlers.set(token, handler);
    return { token, done: () => this.#handlers.delete(token) };
  }

  /** Wraps a connected transport's message handler (call after `Client.connect`). */
  attach(transport: Transport): void {
    const protocol = transport.onmessage;
    transport.onmessage = (message, extra) => {
      if ("method" in message && message.method === "notifications/progress" && !("id" in message)) {
        const { progressToken, ...progress } = message.params as unknown as Progress & {
          progressToken?: unknown;
        };
        this.#handlers.get(String(progressToken))?.(progress);
        return;
      }
      protocol?.(message, extra);
    };
  }
}

/** Limits and hooks for one relayed request. */
export interface SendOptions {
  /** Backend name, for error messages. */
  backend: string;
  /** Fails the request after this long without an answer or a progress notification. */
  idleTimeoutMs: number;
  /** Fails the request after this long whatever progress it reports. */
  maxTimeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
  onProgress?: ((progress: Progress) => void) | undefined;
  /** What else a timeout message should say (e.g. what the backend wrote instead of an answer). */
  explain?: (() => string | undefined) | undefined;
}

/**
 * Sends one request and returns the raw result. It always asks for progress (so a busy backend keeps the
 * call alive), resets the idle timeout on each notification, and says which limit fired on timeout.
 * @throws GatewayError TIMEOUT; the backend's own errors pass through
 */
export async function sendRequest(
  client: Client,
  router: ProgressRouter,
  request: { method: string; params?: Record<string, unknown> | undefined },
  options: SendOptions,
): Promise<Record<string, unknown>> {
  const { method, params } = request;
  const abort = new AbortController();
  let fired: "idle" | "max" | undefined;
  const expire = (kind: "idle" | "max") => () => {
    fired = kind;
    abort.abort(new Error(`${kind} timeout`));
  };
  let idleTimer = setTimeout(expire("idle"), options.idleTimeoutMs);
  const maxTimer = options.maxTimeoutMs ? setTimeout(expire("max"), options.maxTimeoutMs) : undefined;
  const progress = router.register((p) => {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(expire("idle"), options.idleTimeoutMs);
    options.onProgress?.(p);
  });
  const onCallerAbort = (): void => abort.abort(options.signal?.reason);
  if (options.signal?.aborted) onCallerAbort();
  options.signal?.addEventListener("abort", onCallerAbort, { once: true });
  // With telemetry on, `_meta` also carries the attempt's traceparent (every transport: stdio and WebSocket
  // have no other way; HTTP backends get the header too); off, it is exactly what it was.
  const meta = withTraceMeta({
    ...((params?._meta as Record<string, unknown> | undefined) ?? {}),
    progressToken: progress.token,
  });
  try {
    // The SDK's own timeout is out of the way: the timers above decide.
    return await client.request({ method, params: { ...(params ?? {}), _meta: meta } }, RawResult, {
      signal: abort.signal,
      timeout: 2_147_483_647,
    });
  } catch (err) {
    if (fired) {
      const what = method === "tools/call" ? `tool "${String(params?.name)}"` : method;
      const detail =
        fired === "max"
          ? `did not finish within max_timeout ${options.maxTimeoutMs}ms`
          : `did not answer or report progress within ${options.idleTimeoutMs}ms`;
      const more = options.explain?.();
      throw new GatewayError(
        "TIMEOUT",
        `backend "${options.backend}": ${what} ${detail}${more ? `; ${more}` : ""}`,
        { cause: err },
      );
    }
    throw err;
  } finally {
    clearTimeout(idleTimer);
    clearTimeout(maxTimer);
    progress.done();
    options.signal?.removeEventListener("abort", onCallerAbort);
  }
}

/** Reads a paginated list (`tools/list`, `resources/list`, …) to the end, following `nextCursor`. */
export async function listAll<T>(
  client: Client,
  request: { method: string; field: string },
  options: { timeoutMs: number; maxPages?: number },
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < (options.maxPages ?? 1000); page++) {
    const result = await client.request({ method: request.method, params: cursor ? { cursor } : {} }, Page, {
      timeout: options.timeoutMs,
    });
    const list = (result as Record<string, unknown>)[request.field];
    if (Array.isArray(list)) items.push(...(list as T[]));
    cursor = result.nextCursor;
    if (!cursor) break;
  }
  return items;
}
