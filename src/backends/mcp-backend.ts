import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { type Tool, ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import type { ConsolaInstance } from "consola";
import { z } from "zod";
import { errorMessage, GatewayError, isGatewayError } from "../errors.ts";
import { VERSION } from "../version.ts";
import type { Backend, BackendSnapshot, BackendStatus, CallOptions, TransportKind } from "./backend.ts";

/** A transport plus what it can tell about a failure (stderr tail, pid). */
export interface BackendTransport extends Transport {
  readonly pid?: number | undefined;
  readonly stderrTail?: string[];
  readonly exitCode?: number | null;
}

/** Options for an MCP backend reached through the official SDK client. */
export interface McpBackendOptions {
  name: string;
  description: string;
  transport: TransportKind;
  /** Builds a fresh transport for each (re)start. */
  connect: () => BackendTransport;
  /** Per-request timeout in milliseconds. */
  timeoutMs: number;
  /** How long initialize + the first tools/list may take. @default timeoutMs */
  startTimeoutMs?: number;
  log: ConsolaInstance;
  /** @default Date.now */
  now?: () => number;
}

// Results are relayed untouched: a loose object keeps every field the backend sent.
const RawResult = z.looseObject({});

/** A backend spoken to with the SDK `Client`: initialize, paginated tools/list, tools/call. */
export class McpBackend implements Backend {
  readonly name: string;
  readonly description: string;
  readonly transport: TransportKind;

  readonly #options: McpBackendOptions;
  #status: BackendStatus = "stopped";
  #lastError: string | undefined;
  #tools: Tool[] = [];
  #listedAt: number | undefined;
  #restarts = 0;
  #everStarted = false;
  #client: Client | undefined;
  #transport: BackendTransport | undefined;
  #starting: Promise<void> | undefined;
  #refreshing: Promise<void> | undefined;
  #stopping = false;
  readonly #listeners = new Set<() => void>();

  constructor(options: McpBackendOptions) {
    this.#options = options;
    this.name = options.name;
    this.description = options.description;
    this.transport = options.transport;
  }

  get tools(): readonly Tool[] {
    return this.#tools;
  }

  get toolsListedAt(): number | undefined {
    return this.#listedAt;
  }

  snapshot(): BackendSnapshot {
    return {
      name: this.name,
      description: this.description,
      transport: this.transport,
      status: this.#status,
      tools: this.#tools.length,
      restarts: this.#restarts,
      lastError: this.#lastError,
      pid: this.#status === "running" ? this.#transport?.pid : undefined,
    };
  }

  onToolsChanged(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  start(): Promise<void> {
    if (this.#status === "running") return Promise.resolve();
    this.#starting ??= this.#start().finally(() => {
      this.#starting = undefined;
    });
    return this.#starting;
  }

  async #start(): Promise<void> {
    this.#stopping = false;
    this.#status = "starting";
    if (this.#everStarted) this.#restarts++;
    this.#everStarted = true;
    const transport = this.#options.connect();
    const client = new Client({ name: "mcp-gateway", version: VERSION }, { capabilities: {} });
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      this.refreshTools().catch((err) =>
        this.#options.log.warn(`tool list refresh failed: ${errorMessage(err)}`),
      );
    });
    client.onclose = () => this.#onClosed(client);
    client.onerror = (err) => this.#options.log.debug(`transport error: ${errorMessage(err)}`);
    this.#client = client;
    this.#transport = transport;
    const timeout = this.#options.startTimeoutMs ?? this.#options.timeoutMs;
    try {
      await client.connect(transport, { timeout });
      this.#tools = await this.#listAllTools(client);
      this.#status = "running";
      this.#lastError = undefined;
      this.#options.log.info(`ready: ${this.#tools.length} tools`);
      this.#emit();
    } catch (err) {
      const message = this.#describeFailure(err);
      this.#status = "error";
      this.#lastError = message;
      this.#client = undefined;
      await transport.close().catch(() => undefined);
      throw new GatewayError("BACKEND_UNAVAILABLE", `backend "${this.name}": ${message}`, { cause: err });
    }
  }

  #describeFailure(err: unknown): string {
    const base = isGatewayError(err) ? err.message : errorMessage(err);
    const tail = this.#transport?.stderrTail?.at(-1);
    const exit = this.#transport?.exitCode;
    const parts = [base];
    if (exit !== undefined && exit !== null) parts.push(`exit code ${exit}`);
    if (tail) parts.push(`last stderr: ${tail.slice(0, 200)}`);
    return parts.join("; ");
  }

  #onClosed(client: Client): void {
    if (client !== this.#client) return;
    this.#client = undefined;
    if (this.#stopping) {
      this.#status = "stopped";
      return;
    }
    if (this.#status === "running") {
      this.#status = "error";
      this.#lastError = this.#describeFailure(new Error("backend closed the connection"));
      this.#options.log.warn(`stopped unexpectedly: ${this.#lastError} (restarts on next call)`);
    }
  }

  async #listAllTools(client: Client): Promise<Tool[]> {
    const tools: Tool[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 1000; page++) {
      const result = await client.listTools(cursor ? { cursor } : {}, { timeout: this.#options.timeoutMs });
      tools.push(...result.tools);
      cursor = result.nextCursor;
      if (!cursor) break;
    }
    this.#listedAt = (this.#options.now ?? Date.now)();
    return tools;
  }

  refreshTools(): Promise<void> {
    this.#refreshing ??= this.#refresh().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  async #refresh(): Promise<void> {
    const client = this.#client;
    if (!client) return;
    const tools = await this.#listAllTools(client);
    // Only a real change invalidates the catalog (and clients' caches via list_changed).
    if (JSON.stringify(tools) === JSON.stringify(this.#tools)) return;
    this.#tools = tools;
    this.#emit();
  }

  #emit(): void {
    for (const listener of this.#listeners) listener();
  }

  async callTool(
    name: string,
    args: Record<string, unknown>,
    options: CallOptions = {},
  ): Promise<Record<string, unknown>> {
    if (this.#status !== "running") await this.start();
    const client = this.#client;
    if (!client) throw new GatewayError("BACKEND_UNAVAILABLE", `backend "${this.name}" is not running`);
    try {
      return await client.request({ method: "tools/call", params: { name, arguments: args } }, RawResult, {
        timeout: this.#options.timeoutMs,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.onProgress ? { onprogress: options.onProgress, resetTimeoutOnProgress: true } : {}),
      });
    } catch (err) {
      if (err instanceof Error && /timed out/i.test(err.message)) {
        throw new GatewayError(
          "TIMEOUT",
          `backend "${this.name}": tool "${name}" did not answer within ${this.#options.timeoutMs}ms`,
          { cause: err },
        );
      }
      throw err;
    }
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    const client = this.#client;
    const transport = this.#transport;
    this.#client = undefined;
    this.#status = "stopped";
    if (client) await client.close().catch(() => undefined);
    else if (transport) await transport.close().catch(() => undefined);
  }
}
