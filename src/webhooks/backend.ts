import type { Resource, ServerCapabilities, Tool } from "@modelcontextprotocol/sdk/types.js";
import type { ConsolaInstance } from "consola";
import type {
  Backend,
  BackendNotification,
  BackendSnapshot,
  BackendStatus,
  ListKind,
} from "../backends/backend.ts";
import { GatewayError } from "../errors.ts";
import { type Receipt, WebhookChannel, type WebhookSettings } from "./channel.ts";
import { callEventsTool, EVENTS_TOOL } from "./events-tool.ts";
import type { Delivery } from "./signatures.ts";

/** The name the webhooks backend takes in the pool (and in `gateway_list_servers`). */
export const WEBHOOKS_BACKEND = "webhooks";

/** What the HTTP route needs of the webhooks: a channel's body limit, and a delivery handed in. */
export interface WebhookInbox {
  /** The largest body webhook `name` accepts, or undefined when no webhook has that name. */
  maxBodySize(name: string): number | undefined;
  /** Checks and records one delivery; undefined when no webhook has that name. */
  receive(name: string, delivery: Delivery): Receipt | undefined;
}

/** Options of the webhooks backend. */
export interface WebhookBackendOptions {
  log: ConsolaInstance;
  /** @default Date.now */
  now?: () => number;
}

/**
 * The configured webhooks as one internal backend: a `webhook://{name}/latest` resource per webhook
 * (listed, readable and subscribable through the gateway's resources surface like any backend's), the
 * `events` tool over their buffers, and for every accepted delivery `notifications/resources/updated` for
 * that resource plus a log message, which the session hub fans out like a backend's own.
 */
export class WebhookBackend implements Backend, WebhookInbox {
  readonly name = WEBHOOKS_BACKEND;
  readonly transport = "webhook" as const;
  readonly tools: readonly Tool[] = [EVENTS_TOOL];
  readonly capabilities: ServerCapabilities = { tools: {}, resources: { subscribe: true }, logging: {} };
  readonly #channels = new Map<string, WebhookChannel>();
  readonly #notify = new Set<(n: BackendNotification) => void>();
  readonly #changed = new Set<(kind?: ListKind) => void>();
  readonly #log: ConsolaInstance;
  readonly #now: () => number;
  readonly #lastWarned = new Map<string, number>();
  #status: BackendStatus = "configured";
  #seq = 0;
  #startedAt: number | undefined;

  constructor(webhooks: Record<string, WebhookSettings>, options: WebhookBackendOptions) {
    this.#log = options.log;
    this.#now = options.now ?? Date.now;
    for (const [name, settings] of Object.entries(webhooks)) {
      this.#channels.set(name, new WebhookChannel(name, settings, () => ++this.#seq));
    }
  }

  get description(): string {
    return `Signed webhook deliveries received on POST /webhooks/{name}: ${[...this.#channels.keys()].join(", ")}`;
  }

  get resources(): Resource[] {
    return [...this.#channels.values()].map((c) => ({
      uri: c.uri,
      name: `${c.name}-latest`,
      title: `Latest ${c.settings.provider} event on webhook ${c.name}`,
      ...(c.settings.description ? { description: c.settings.description } : {}),
      mimeType: "application/json",
    }));
  }

  get toolsListedAt(): number | undefined {
    return this.#startedAt;
  }

  snapshot(): BackendSnapshot {
    return {
      name: this.name,
      description: this.description,
      transport: this.transport,
      status: this.#status,
      tools: this.tools.length,
      restarts: 0,
      lastError: undefined,
      pid: undefined,
      toolsSource: "live",
    };
  }

  async start(): Promise<void> {
    this.#status = "running";
    this.#startedAt ??= this.#now();
  }

  async stop(): Promise<void> {
    this.#status = "stopped";
  }

  async refreshTools(): Promise<void> {}

  maxBodySize(name: string): number | undefined {
    return this.#channels.get(name)?.settings.max_body_size;
  }

  receive(name: string, delivery: Delivery): Receipt | undefined {
    const channel = this.#channels.get(name);
    if (!channel) return undefined;
    const receipt = channel.receive(delivery, this.#now());
    if (receipt.outcome === "refused") {
      // Anyone can POST: a flood of forgeries must not flood the log too (one warning a minute per webhook).
      const now = this.#now();
      const quiet = now - (this.#lastWarned.get(name) ?? Number.NEGATIVE_INFINITY) < 60_000;
      if (!quiet) this.#lastWarned.set(name, now);
      const line = `webhook ${name}: refused a delivery: ${receipt.reason}`;
      if (quiet) this.#log.debug(line);
      else this.#log.warn(line);
      return receipt;
    }
    if (receipt.outcome === "duplicate") {
      this.#log.info(`webhook ${name}: delivery ${receipt.id} already accepted; not processed again`);
      return receipt;
    }
    const { event } = receipt;
    this.#log.info(`webhook ${name}: accepted ${event.type} (delivery ${event.id}, seq ${event.seq})`);
    this.#emit({ method: "notifications/resources/updated", params: { uri: channel.uri } });
    this.#emit({
      method: "notifications/message",
      params: {
        level: "info",
        logger: `webhook:${name}`,
        data: { webhook: name, type: event.type, id: event.id, seq: event.seq, uri: channel.uri },
      },
    });
    return receipt;
  }

  async callTool(name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
    if (name !== EVENTS_TOOL.name) {
      throw new GatewayError("TOOL_NOT_FOUND", `backend "${this.name}" has no tool "${name}"`);
    }
    return callEventsTool(this.#channels, args);
  }

  /**
   * Reads a `webhook://{name}/latest` resource (the newest event, or null before the first); subscriptions
   * and log levels are accepted as they are (every accepted event is announced).
   * @throws GatewayError RESOURCE_NOT_FOUND, NOT_SUPPORTED
   */
  async request(
    method: string,
    params: Record<string, unknown> | undefined,
  ): Promise<Record<string, unknown>> {
    switch (method) {
      case "resources/read": {
        const uri = String(params?.uri ?? "");
        const channel = [...this.#channels.values()].find((c) => c.uri === uri);
        if (!channel) throw new GatewayError("RESOURCE_NOT_FOUND", `Resource not found: ${uri}`);
        const text = JSON.stringify(channel.buffer.latest() ?? null);
        return { contents: [{ uri, mimeType: "application/json", text }] };
      }
      case "resources/subscribe":
      case "resources/unsubscribe":
      case "logging/setLevel":
        return {};
      default:
        throw new GatewayError("NOT_SUPPORTED", `backend "${this.name}" does not answer ${method}`);
    }
  }

  onToolsChanged(listener: (kind?: ListKind) => void): () => void {
    this.#changed.add(listener);
    return () => this.#changed.delete(listener);
  }

  onNotification(listener: (notification: BackendNotification) => void): () => void {
    this.#notify.add(listener);
    return () => this.#notify.delete(listener);
  }

  #emit(notification: BackendNotification): void {
    for (const listener of this.#notify) listener(notification);
  }
}
