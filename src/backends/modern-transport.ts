import type {
  Client as ModernClient,
  Transport as ModernSdkTransport,
  SubscriptionFilter,
} from "@modelcontextprotocol/client";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { errorMessage } from "../errors.ts";
import { VERSION } from "../version.ts";
import type { TransportKind } from "./backend.ts";
import { type ParamHeader, paramHeaders, paramHeadersFor } from "./modern-param-headers.ts";
import { currentRelay, type ModernRelay } from "./modern-relay.ts";
import type { BackendTransport } from "./transport.ts";

/** The revision a modern backend is spoken to in. */
export const MODERN_VERSION = "2026-07-28";

// The SDK's 2.x client loads with the first modern backend only.
const sdk2 = (): Promise<typeof import("@modelcontextprotocol/client")> =>
  import("@modelcontextprotocol/client");

const RawResult = z.looseObject({});
type Params = Record<string, unknown>;
type Message = { id?: string | number; method?: string; params?: Params; result?: Params; error?: unknown };

/** The requests whose answer may be `input_required`. */
const MULTI_ROUND = new Set(["tools/call", "prompts/get", "resources/read"]);
/** The tasks extension's requests (SEP-2663): sent with the 2026-07-28 client's capabilities when relayed. */
const TASK_REQUESTS = new Set(["tasks/get", "tasks/update", "tasks/cancel"]);
/**
 * Where a backend's CreateTaskResult rides through the SDK 2.x client, which knows no `resultType: "task"`
 * (it rejects the answer as an unsupported result type): {@link carryingTasks} moves it here, in a complete
 * result's `_meta`, and `#run` takes it out again.
 */
const CARRIED_TASK = "mcp-gateway/created-task";

/** Requests of a backend for input, relayed to the 2025 side as server-to-client requests. */
const INPUT_METHODS = [
  ["elicitation/create", "elicitation"],
  ["sampling/createMessage", "sampling"],
  ["roots/list", "roots"],
] as const;
/** Notifications a `subscriptions/listen` stream delivers, relayed to the 2025 side as they come. */
const RELAYED_NOTIFICATIONS = [
  "notifications/tools/list_changed",
  "notifications/resources/list_changed",
  "notifications/prompts/list_changed",
  "notifications/resources/updated",
  "notifications/message",
] as const;

/** Options of {@link ModernTransport}. */
export interface ModernTransportOptions {
  /** Builds the SDK 2.x transport the backend is reached on (one per connection). */
  connect: () => ModernSdkTransport | Promise<ModernSdkTransport>;
  /** The transport kind shown for the backend. */
  kind: TransportKind;
}

/**
 * A backend that speaks 2026-07-28, presented to the gateway's SDK 1.x client as a 2025 session: the
 * client's `initialize` is answered from the backend's `server/discover`, every request goes out through
 * the SDK 2.x client (envelope, `Mcp-Method`/`Mcp-Name` headers, per-request streams), and what 2026-07-28
 * does differently is translated at this one seam:
 * - an `input_required` result is fulfilled by the SDK's driver, whose handlers ask the 2025 side with
 *   ordinary server-to-client requests (sampling, elicitation, roots), then retried with the answers;
 * - progress arrives on the request's own stream and leaves with the 1.x client's progress token;
 * - `notifications/cancelled` from the 1.x client aborts the request (closing its stream);
 * - `ping` is a `server/discover`, `logging/setLevel` becomes the per-request log level, and
 *   `resources/subscribe` plus list changes become one `subscriptions/listen` stream.
 * So the backend lifecycle, lists, failsafes and the session hub stay as they are for 2025 backends.
 */
export class ModernTransport implements BackendTransport {
  onclose?: (() => void) | undefined;
  onerror?: ((error: Error) => void) | undefined;
  onmessage?: Transport["onmessage"];
  readonly kind: TransportKind;

  readonly #options: ModernTransportOptions;
  #client: ModernClient | undefined;
  #closed = false;
  #logLevel: string | undefined;
  readonly #inflight = new Map<string | number, AbortController>();
  readonly #asked = new Map<string, { resolve: (m: Message) => void }>();
  #askSeq = 0;
  readonly #subscriptions = new Set<string>();
  #listen: { close(): Promise<void> } | undefined;
  /** The backend's tools that declare `Mcp-Param-*` headers, learnt from the lists passing through. */
  readonly #paramHeaders = new Map<string, ParamHeader[]>();

  constructor(options: ModernTransportOptions) {
    this.#options = options;
    this.kind = options.kind;
  }

  /** Nothing to do yet: the backend is reached once the 1.x client's `initialize` says what it can do. */
  async start(): Promise<void> {}

  async send(message: JSONRPCMessage): Promise<void> {
    const m = message as Message;
    if (m.method !== undefined && m.id !== undefined) {
      // Read now: the relay is the sending call's async context, which the answer below outlives.
      const relay = MULTI_ROUND.has(m.method) || TASK_REQUESTS.has(m.method) ? currentRelay() : undefined;
      void this.#answer(m.id, m.method, m.params, relay);
      return;
    }
    if (m.method !== undefined) {
      this.#notification(m.method, m.params);
      return;
    }
    // A response of the 1.x client to one of our relayed requests for input.
    if (m.id !== undefined) this.#asked.get(String(m.id))?.resolve(m);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const abort of this.#inflight.values()) abort.abort(new Error("connection closed"));
    await this.#listen?.close().catch(() => undefined);
    await this.#client?.close().catch(() => undefined);
    this.onclose?.();
  }

  #deliver(message: Record<string, unknown>): void {
    this.onmessage?.({ jsonrpc: "2.0", ...message } as JSONRPCMessage);
  }

  async #answer(
    id: string | number,
    method: string,
    params: Params | undefined,
    relay: ModernRelay | undefined,
  ): Promise<void> {
    try {
      const result = await this.#run(id, method, params, relay);
      this.#deliver({ id, result });
    } catch (error) {
      this.#deliver({ id, error: wireError(error) });
    }
  }

  async #run(
    id: string | number,
    method: string,
    params: Params | undefined,
    relay?: ModernRelay,
  ): Promise<Params> {
    if (method === "initialize") return this.#initialize(params ?? {});
    const client = this.#client;
    if (!client) throw new Error("not initialized");
    switch (method) {
      case "ping":
        await client.discover();
        return {};
      case "logging/setLevel":
        this.#logLevel = typeof params?.level === "string" ? params.level : undefined;
        return {};
      case "resources/subscribe":
      case "resources/unsubscribe": {
        const uri = String(params?.uri ?? "");
        if (method === "resources/subscribe") this.#subscriptions.add(uri);
        else this.#subscriptions.delete(uri);
        await this.#relisten();
        return {};
      }
    }
    const abort = new AbortController();
    this.#inflight.set(id, abort);
    const { _meta: meta, ...rest } = params ?? {};
    const { progressToken, ...otherMeta } = (meta as Params | undefined) ?? {};
    if (this.#logLevel) otherMeta["io.modelcontextprotocol/logLevel"] = this.#logLevel;
    // A 2026-07-28 client's call: its capabilities in the envelope, its retry fields, and an
    // input_required answer handed back to it instead of fulfilled here.
    if (relay?.clientCapabilities) {
      otherMeta["io.modelcontextprotocol/clientCapabilities"] = relay.clientCapabilities;
    }
    const retry = {
      ...(relay?.inputResponses ? { inputResponses: relay.inputResponses } : {}),
      ...(relay?.requestState !== undefined ? { requestState: relay.requestState } : {}),
    };
    try {
      const result = await client.request(
        {
          method,
          params: { ...rest, ...retry, ...(Object.keys(otherMeta).length > 0 ? { _meta: otherMeta } : {}) },
        },
        RawResult,
        {
          signal: abort.signal,
          allowInputRequired: relay !== undefined && MULTI_ROUND.has(method),
          ...(method === "tools/call" ? { headers: this.#headersFor(rest) } : {}),
          // The gateway's own timers (requests.ts) decide; the SDK's would cut a long call short.
          timeout: 2_147_483_647,
          ...(progressToken !== undefined
            ? {
                onprogress: (progress) =>
                  this.#deliver({ method: "notifications/progress", params: { ...progress, progressToken } }),
              }
            : {}),
        },
      );
      if (method === "tools/list") this.#learnParamHeaders(result as Params);
      const task = (result as Params)._meta as Params | undefined;
      if (task?.[CARRIED_TASK] !== undefined) return createdTask(task[CARRIED_TASK] as Params, relay);
      return withoutEnvelope(result as Params);
    } finally {
      this.#inflight.delete(id);
    }
  }

  #learnParamHeaders(page: Params): void {
    for (const tool of Array.isArray(page.tools) ? (page.tools as Params[]) : []) {
      const declared = paramHeaders(tool.inputSchema);
      if (declared.length > 0) this.#paramHeaders.set(String(tool.name), declared);
      else this.#paramHeaders.delete(String(tool.name));
    }
  }

  /** The `Mcp-Param-*` headers a call of a tool that declares them must carry (SEP-2243). */
  #headersFor(params: Params): Record<string, string> {
    const declared = this.#paramHeaders.get(String(params.name));
    return declared ? paramHeadersFor(declared, params.arguments) : {};
  }

  async #initialize(params: Params): Promise<Params> {
    const { Client } = await sdk2();
    const capabilities = (params.capabilities as Params | undefined) ?? {};
    const client = new Client({ name: "mcp-gateway", version: VERSION }, {
      capabilities,
      versionNegotiation: { mode: { pin: MODERN_VERSION } },
      jsonSchemaValidator: {
        getValidator: () => (input: unknown) => ({ valid: true, data: input, errorMessage: undefined }),
      },
    } as ConstructorParameters<typeof Client>[1]);
    for (const [method, capability] of INPUT_METHODS) {
      if (!(capability in capabilities)) continue;
      client.setRequestHandler(method, ((
        request: { params?: Params },
        ctx: { mcpReq: { signal: AbortSignal } },
      ) => this.#ask(method, request.params ?? {}, ctx.mcpReq.signal)) as never);
    }
    for (const method of RELAYED_NOTIFICATIONS) {
      client.setNotificationHandler(method, ((notification: { params?: Params }) =>
        this.#deliver({
          method,
          params: withoutMeta(notification.params, "io.modelcontextprotocol/subscriptionId"),
        })) as never);
    }
    client.onclose = () => {
      if (this.#closed) return;
      this.#closed = true;
      this.onclose?.();
    };
    client.onerror = (error) => this.onerror?.(error);
    await client.connect(carryingTasks(await this.#options.connect()));
    this.#client = client;
    await this.#relisten();
    const server = client.getServerVersion() ?? { name: "unknown", version: "0" };
    const instructions = client.getInstructions();
    return {
      protocolVersion: params.protocolVersion,
      capabilities: client.getServerCapabilities() ?? {},
      serverInfo: server,
      ...(instructions ? { instructions } : {}),
    };
  }

  /** One listen stream for what the backend can announce: list changes and the subscribed resources. */
  async #relisten(): Promise<void> {
    const client = this.#client;
    if (!client) return;
    const caps = client.getServerCapabilities() ?? {};
    const filter: SubscriptionFilter = {
      ...(caps.tools?.listChanged ? { toolsListChanged: true } : {}),
      ...(caps.prompts?.listChanged ? { promptsListChanged: true } : {}),
      ...(caps.resources?.listChanged ? { resourcesListChanged: true } : {}),
      ...(caps.resources?.subscribe && this.#subscriptions.size > 0
        ? { resourceSubscriptions: [...this.#subscriptions] }
        : {}),
    };
    const previous = this.#listen;
    this.#listen = undefined;
    await previous?.close().catch(() => undefined);
    if (Object.keys(filter).length === 0) return;
    this.#listen = await client.listen(filter);
  }

  #notification(method: string, params: Params | undefined): void {
    if (method === "notifications/cancelled") {
      this.#inflight.get(params?.requestId as string | number)?.abort(params?.reason ?? "cancelled");
      return;
    }
    if (method === "notifications/roots/list_changed") {
      void this.#client?.sendRootsListChanged().catch((error) => this.onerror?.(error));
    }
    // notifications/initialized has no 2026-07-28 counterpart; nothing else is sent by the 1.x client.
  }

  /** Asks the 2025 side (the 1.x client's relay handlers) for input the backend needs. */
  #ask(method: string, params: Params, signal: AbortSignal): Promise<Params> {
    const id = `modern-input-${++this.#askSeq}`;
    return new Promise<Params>((resolve, reject) => {
      const onAbort = (): void => {
        this.#asked.delete(id);
        this.#deliver({ method: "notifications/cancelled", params: { requestId: id } });
        reject(signal.reason);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.#asked.set(id, {
        resolve: (response) => {
          this.#asked.delete(id);
          signal.removeEventListener("abort", onAbort);
          if (response.result) resolve(response.result);
          else reject(protocolErrorOf(response.error));
        },
      });
      this.#deliver({ id, method, params });
    });
  }
}

/**
 * The SDK transport with a backend's CreateTaskResult (SEP-2663: `resultType: "task"`, which the SDK 2.x
 * client has no result kind for) handed on as a complete result that carries it in `_meta`, so it reaches
 * `#run` whole. The client sets `onmessage` on connect; the accessor wraps whatever it sets.
 */
function carryingTasks(transport: ModernSdkTransport): ModernSdkTransport {
  let handler = transport.onmessage;
  const wrapped: ModernSdkTransport["onmessage"] = (message, extra) => {
    const result = (message as { result?: Params }).result;
    if (result?.resultType === "task") {
      const carried = { resultType: "complete", content: [], _meta: { [CARRIED_TASK]: result } };
      return handler?.({ ...message, result: carried } as typeof message, extra);
    }
    return handler?.(message, extra);
  };
  Object.defineProperty(transport, "onmessage", {
    configurable: true,
    enumerable: true,
    get: () => (handler === undefined ? undefined : wrapped),
    set: (next: ModernSdkTransport["onmessage"]) => {
      handler = next;
    },
  });
  return transport;
}

/**
 * A backend's CreateTaskResult, for a 2026-07-28 client that may take it (its `relay`): as the backend sent
 * it, less its serverInfo `_meta` (the gateway's own server adds its own).
 * @throws Error when no such client asked: a 2025 session has no wire for it
 */
function createdTask(result: Params, relay: ModernRelay | undefined): Params {
  if (!relay) {
    throw new RelayedError(
      -32603,
      "the backend answered with a 2026-07-28 task (io.modelcontextprotocol/tasks), which this caller did not declare and cannot take",
      undefined,
    );
  }
  return withoutMeta(result, "io.modelcontextprotocol/serverInfo") ?? {};
}

/**
 * A result without what only 2026-07-28 carries (`resultType`, the server's identity in `_meta`): the
 * 2025 side never sees them, and the gateway's own 2026-07-28 server adds its own.
 */
function withoutEnvelope(result: Params): Params {
  // An input_required answer relayed to a 2026-07-28 client keeps its resultType: that is what it is.
  if (result.resultType === "input_required") return result;
  const { resultType: _, ...rest } = result;
  return withoutMeta(rest, "io.modelcontextprotocol/serverInfo") ?? {};
}

/** `params` without one `_meta` key (and without `_meta` once it is empty). */
function withoutMeta(params: Params | undefined, key: string): Params | undefined {
  const meta = params?._meta as Params | undefined;
  if (!meta || !(key in meta)) return params;
  const { [key]: _, ...rest } = meta;
  const { _meta: __, ...others } = params ?? {};
  return Object.keys(rest).length > 0 ? { ...others, _meta: rest } : others;
}

/** A JSON-RPC error for the 1.x client: the backend's own code and data, or a timeout/internal error. */
function wireError(error: unknown): { code: number; message: string; data?: unknown } {
  const e = error as { code?: unknown; message?: unknown; data?: unknown };
  if (typeof e?.code === "number") {
    // The 2.x error's message carries its own "MCP error <code>: " prefix; the 1.x client adds one again.
    const message = String(e.message ?? "").replace(/^MCP error -?\d+: /, "");
    return { code: e.code, message, ...(e.data !== undefined ? { data: e.data } : {}) };
  }
  return { code: e?.code === "REQUEST_TIMEOUT" ? -32001 : -32603, message: errorMessage(error) };
}

class RelayedError extends Error {
  readonly code: number;
  readonly data: unknown;
  constructor(code: number, message: string, data: unknown) {
    super(message);
    this.code = code;
    this.data = data;
  }
}

function protocolErrorOf(error: unknown): Error {
  const e = (error ?? {}) as { code?: unknown; message?: unknown; data?: unknown };
  return new RelayedError(typeof e.code === "number" ? e.code : -32603, String(e.message ?? "error"), e.data);
}
