import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import { errorMessage, isGatewayError } from "../errors.ts";
import type { CallOptions } from "./backend.ts";
import { type ConnectionFailure, ConnectionLostError } from "./connection-failure.ts";
import { ProgressRouter, sendRequest } from "./requests.ts";
import type { BackendTransport } from "./transport.ts";

/** Options of {@link McpConnection}. */
export interface McpConnectionOptions {
  /** Backend name, for error messages. */
  backend: string;
  client: Client;
  /** This connection's identity: every call it loses carries it. */
  identity: ConnectionFailure;
  /** Per-request idle timeout (progress resets it), in ms. */
  timeoutMs: number;
  /** Hard cap on one request, in ms. @default none */
  maxTimeoutMs?: number | undefined;
}

/**
 * One connection to a backend: a transport, the SDK client on it, and the relay of requests over it. A
 * call that fails because the connection went away says so, tagged with the connection's identity.
 */
export class McpConnection {
  readonly client: Client;
  readonly identity: ConnectionFailure;
  readonly #options: McpConnectionOptions;
  readonly #progress = new ProgressRouter();
  #transport: BackendTransport | undefined;
  #closed = false;

  constructor(options: McpConnectionOptions) {
    this.#options = options;
    this.client = options.client;
    this.identity = options.identity;
  }

  get transport(): BackendTransport | undefined {
    return this.#transport;
  }

  /** True once the client reported the connection closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Marks the connection closed (called from the client's `onclose`). */
  markClosed(): void {
    this.#closed = true;
  }

  /** Connects the transport and runs initialize within `timeoutMs`. */
  async open(connect: () => BackendTransport | Promise<BackendTransport>, timeoutMs: number): Promise<void> {
    const transport = await connect();
    this.#transport = transport;
    await this.client.connect(transport, { timeout: timeoutMs });
    this.#progress.attach(transport);
  }

  /**
   * Relays one request and returns the raw result.
   * @throws ConnectionLostError when the connection went away first; GatewayError TIMEOUT; the backend's errors
   */
  async send(
    method: string,
    params: Record<string, unknown> | undefined,
    options: CallOptions,
  ): Promise<Record<string, unknown>> {
    const noiseBefore = this.#transport?.noise?.count ?? 0;
    try {
      return await sendRequest(
        this.client,
        this.#progress,
        { method, params },
        {
          backend: this.#options.backend,
          idleTimeoutMs: this.#options.timeoutMs,
          maxTimeoutMs: this.#options.maxTimeoutMs,
          signal: options.signal,
          onProgress: options.onProgress,
          explain: () => {
            const noise = this.#transport?.noise;
            return noise && noise.count > noiseBefore
              ? `it wrote non-JSON-RPC output on stdout instead: ${noise.excerpt}`
              : undefined;
          },
        },
      );
    } catch (err) {
      if (!this.#closed && !isConnectionClosed(err)) throw err;
      const what = method === "tools/call" ? `tool "${String(params?.name)}"` : method;
      throw new ConnectionLostError(
        `backend "${this.#options.backend}": connection lost during ${what}: ${this.describe(err)}`,
        this.identity,
        { cause: err },
      );
    }
  }

  /** @throws when the backend does not answer within `timeoutMs` */
  async ping(timeoutMs: number): Promise<void> {
    await this.client.ping({ timeout: timeoutMs });
  }

  /** Closes the client (and with it the transport), or the bare transport when connecting failed. */
  async close(): Promise<void> {
    if (this.client.transport) await this.client.close().catch(() => undefined);
    else await this.#transport?.close().catch(() => undefined);
  }

  /** Ends the connection at once (a hung process). */
  async terminate(): Promise<void> {
    await this.#transport?.terminate?.().catch(() => undefined);
  }

  /** What went wrong, with what the transport knows: its own reason, exit, stray stdout, last stderr. */
  describe(err: unknown): string {
    const transport = this.#transport;
    const base = isGatewayError(err) ? err.message : errorMessage(err);
    const parts = [transport?.failure ?? base];
    const exit = transport?.exitCode;
    const killed = transport?.exitSignal ? `killed by ${transport.exitSignal}` : undefined;
    if (exit !== undefined && exit !== null) parts.push(`exit code ${exit}${killed ? ` (${killed})` : ""}`);
    else if (killed) parts.push(killed);
    const noise = transport?.noise;
    if (noise) parts.push(`non-JSON-RPC output on stdout: ${noise.excerpt}`);
    const tail = transport?.stderrTail?.at(-1);
    if (tail) parts.push(`last stderr: ${tail.slice(0, 200)}`);
    return parts.join("; ");
  }
}

function isConnectionClosed(err: unknown): boolean {
  return err instanceof McpError && err.code === ErrorCode.ConnectionClosed;
}

/** True for the SDK's own request timeout (initialize or a list that was not answered in time). */
export function isSdkTimeout(err: unknown): boolean {
  return err instanceof McpError && err.code === ErrorCode.RequestTimeout;
}

/**
 * True when a Streamable HTTP backend refused our session id: 404 per the spec, or 400 naming the session
 * (what several real servers, server-everything among them, answer after a restart).
 */
export function isSessionLost(err: unknown): boolean {
  // The SDK's StreamableHTTPError, known by its message and numeric code: importing the class would load
  // the HTTP client module at every start, stdio-only gateways included.
  if (!(err instanceof Error) || !err.message.startsWith("Streamable HTTP error: ")) return false;
  const code = (err as { code?: unknown }).code;
  return code === 404 || (code === 400 && /session/i.test(err.message));
}
