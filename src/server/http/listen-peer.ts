import type { ServerNotifier } from "@modelcontextprotocol/server";
import type { Principal, Surface } from "../../gateway/call-context.ts";
import type { SessionPeer } from "../../gateway/session-hub.ts";
import { log } from "../../log.ts";
import type { Operation } from "../handlers/shared.ts";

const CHANGED: Record<string, "toolsChanged" | "resourcesChanged" | "promptsChanged"> = {
  "notifications/tools/list_changed": "toolsChanged",
  "notifications/resources/list_changed": "resourcesChanged",
  "notifications/prompts/list_changed": "promptsChanged",
};

/** Most resource URIs one listen stream may subscribe. */
export const MAX_LISTEN_RESOURCES = 64;

/**
 * One endpoint's `subscriptions/listen` streams as a single peer of the session hub. What the hub fans out
 * to it (list changes of this surface, updates of the resources it subscribed) is published to the SDK
 * handler's event bus, which sends each event on every open stream whose filter asked for it: the SDK
 * keeps the streams and their filters, this peer keeps the backend subscriptions behind them, counted per
 * URI across the endpoint's streams.
 */
export class EndpointListen {
  readonly peer: SessionPeer;
  readonly #surface: Surface;
  readonly #subscribe: Operation | undefined;
  readonly #unsubscribe: Operation | undefined;
  readonly #counts = new Map<string, number>();

  constructor(
    endpoint: string,
    surface: Surface,
    notifier: ServerNotifier,
    options: { operations: readonly Operation[]; onToolsChanged?: () => void },
  ) {
    const { operations } = options;
    this.#surface = surface;
    this.#subscribe = operations.find((op) => op.method === "resources/subscribe");
    this.#unsubscribe = operations.find((op) => op.method === "resources/unsubscribe");
    this.peer = {
      label: `listen ${endpoint}`,
      backend: surface.kind === "direct" ? surface.backend : undefined,
      meta: surface.kind === "meta",
      logLevel: undefined,
      subscriptions: new Set(),
      notify: async (notification) => {
        const changed = CHANGED[notification.method];
        if (changed === "toolsChanged") options.onToolsChanged?.();
        if (changed) notifier[changed]();
        else if (notification.method === "notifications/resources/updated") {
          notifier.resourceUpdated(String(notification.params?.uri ?? ""));
        }
      },
      request: () => Promise.reject(new Error("a listen stream takes no requests")),
      clientCapabilities: () => undefined,
    };
  }

  /**
   * Subscribes the backends to the URIs one listen stream names, each checked for `principal` as a 2025
   * `resources/subscribe` is (an unknown or refused URI is left out). Returns the URIs subscribed, which
   * are all the stream may hear about, and the release to call when the stream ends.
   */
  async acquire(
    uris: readonly string[],
    principal: Principal,
  ): Promise<{ allowed: string[]; release: () => void }> {
    const allowed: string[] = [];
    const subscribe = this.#subscribe;
    for (const uri of [...new Set(uris)].slice(0, MAX_LISTEN_RESOURCES)) {
      if (!subscribe) break;
      try {
        await subscribe.run(this.#context(principal), { uri });
        allowed.push(uri);
        this.#counts.set(uri, (this.#counts.get(uri) ?? 0) + 1);
      } catch (error) {
        log.debug(`listen: not subscribing ${uri}: ${(error as Error).message}`);
      }
    }
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      for (const uri of allowed) {
        const left = (this.#counts.get(uri) ?? 1) - 1;
        if (left > 0) {
          this.#counts.set(uri, left);
          continue;
        }
        this.#counts.delete(uri);
        void this.#unsubscribe?.run(this.#context(principal), { uri }).catch(() => undefined);
      }
    };
    return { allowed, release };
  }

  #context(principal: Principal): Parameters<Operation["run"]>[0] {
    return { principal, session: this.peer, surface: this.#surface };
  }
}

/** The resource URIs a `subscriptions/listen` request asks for, or undefined for any other message. */
export function listenResources(body: unknown): string[] | undefined {
  const message = body as {
    method?: unknown;
    params?: { notifications?: { resourceSubscriptions?: unknown } };
  };
  if (message?.method !== "subscriptions/listen") return undefined;
  const uris = message.params?.notifications?.resourceSubscriptions;
  return Array.isArray(uris) ? uris.filter((u): u is string => typeof u === "string") : undefined;
}

/** The listen request with only the URIs it was allowed. */
export function withResources(body: unknown, uris: string[]): unknown {
  const message = body as { params: { notifications: Record<string, unknown> } };
  const { resourceSubscriptions: _, ...rest } = message.params.notifications;
  const notifications = uris.length > 0 ? { ...rest, resourceSubscriptions: uris } : rest;
  return { ...message, params: { ...message.params, notifications } };
}

/** The response, calling `release` once its stream ends, is cancelled or the request is aborted. */
export function releasingWhenDone(response: Response, release: () => void, signal: AbortSignal): Response {
  const body = response.body;
  if (!body) {
    release();
    return response;
  }
  signal.addEventListener("abort", release, { once: true });
  const reader = body.getReader();
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await reader.read();
        if (next.done) {
          release();
          controller.close();
        } else controller.enqueue(next.value);
      } catch (error) {
        release();
        controller.error(error);
      }
    },
    cancel(reason) {
      release();
      return reader.cancel(reason);
    },
  });
  return new Response(stream, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}
