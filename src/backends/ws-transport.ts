import { type JSONRPCMessage, JSONRPCMessageSchema } from "@modelcontextprotocol/sdk/types.js";
import { redactUrl } from "../redact.ts";
import type { BackendTransport } from "./transport.ts";

/** The subprotocol MCP over WebSocket uses (what the SDK's WebSocketClientTransport offers). */
const SUBPROTOCOL = "mcp";
/** The same bound as a stdio backend's line: a bigger frame means a broken or hostile peer. */
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/** Options of one WebSocket connection to a backend. */
export interface WebSocketBackendOptions {
  /** `ws://` or `wss://`. */
  url: URL;
  /** Sent on the upgrade request (tokens the backend wants). @default none */
  headers?: Record<string, string>;
  /** Largest frame accepted from the backend, in bytes. @default 16 MiB */
  maxMessageBytes?: number;
  /** How long the handshake may take. @default 30 s */
  connectTimeoutMs?: number;
}

/** True for the URL schemes of a WebSocket backend. */
export function isWebSocketUrl(url: URL): boolean {
  return url.protocol === "ws:" || url.protocol === "wss:";
}

/**
 * Client transport for `ws://` / `wss://` backends: one JSON-RPC message per text frame, subprotocol
 * `mcp`. Unlike the SDK's WebSocketClientTransport it sends the entry's headers on the upgrade (Bun's
 * WebSocket takes them), bounds the handshake in time and each frame in size, and says why a connection
 * failed or ended without the URL's secrets.
 */
export class WebSocketBackendTransport implements BackendTransport {
  readonly kind = "websocket" as const;
  onmessage?: (message: JSONRPCMessage) => void;
  onerror?: (error: Error) => void;
  onclose?: () => void;
  readonly #options: WebSocketBackendOptions;
  #socket: WebSocket | undefined;
  #failure: string | undefined;
  #closed = false;
  #ended = false;

  constructor(options: WebSocketBackendOptions) {
    this.#options = options;
  }

  /** Why the transport gave up on the connection (a frame over the limit, the server's close reason). */
  get failure(): string | undefined {
    return this.#failure;
  }

  /** @throws Error when the handshake fails, the server picks another subprotocol, or the deadline passes */
  start(): Promise<void> {
    if (this.#socket) throw new Error("WebSocketBackendTransport already started");
    const where = redactUrl(this.#options.url);
    const socket = new WebSocket(this.#options.url, {
      protocols: [SUBPROTOCOL],
      headers: this.#options.headers ?? {},
    });
    this.#socket = socket;
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    let opened = false;
    const timer = setTimeout(() => {
      reject(
        new Error(`WebSocket ${where} did not open within ${this.#options.connectTimeoutMs ?? 30_000} ms`),
      );
      socket.close();
    }, this.#options.connectTimeoutMs ?? 30_000);
    socket.addEventListener("open", () => {
      clearTimeout(timer);
      // A server may select no subprotocol; one that selects another does not speak MCP here (RFC 6455 §4.1).
      if (socket.protocol !== "" && socket.protocol !== SUBPROTOCOL) {
        reject(new Error(`WebSocket ${where} chose subprotocol "${socket.protocol}", not "${SUBPROTOCOL}"`));
        socket.close(1002, "subprotocol mcp required");
        return;
      }
      opened = true;
      resolve();
    });
    socket.addEventListener("error", (event) => {
      const error = new Error(
        `WebSocket ${where} failed${"message" in event ? `: ${String(event.message)}` : ""}`,
      );
      if (!opened) {
        clearTimeout(timer);
        reject(error);
      } else this.onerror?.(error);
    });
    socket.addEventListener("close", (event) => {
      clearTimeout(timer);
      if (!opened) reject(new Error(`WebSocket ${where} closed before opening (code ${event.code})`));
      else if (!this.#closed && event.code !== 1000) {
        this.#failure ??= `the backend closed the WebSocket (code ${event.code}${event.reason ? `: ${event.reason}` : ""})`;
      }
      this.#end();
    });
    socket.addEventListener("message", (event) => this.#frame(event.data));
    return promise;
  }

  #frame(data: unknown): void {
    const max = this.#options.maxMessageBytes ?? MAX_MESSAGE_BYTES;
    const text = typeof data === "string" ? data : new TextDecoder().decode(data as ArrayBuffer);
    if (text.length > max) {
      // Checked on characters, which never undercount bytes by more than the UTF-8 ratio; the point is a bound.
      this.#failure = `backend sent a WebSocket message over ${max} bytes (the limit)`;
      this.onerror?.(new Error(this.#failure));
      this.#socket?.close(1009, "message too big");
      return;
    }
    let message: JSONRPCMessage;
    try {
      message = JSONRPCMessageSchema.parse(JSON.parse(text));
    } catch {
      this.onerror?.(
        new Error(`backend sent a WebSocket frame that is not a JSON-RPC message: ${text.slice(0, 200)}`),
      );
      return;
    }
    this.onmessage?.(message);
  }

  /** @throws Error when the socket is not open */
  async send(message: JSONRPCMessage): Promise<void> {
    const socket = this.#socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) throw new Error("WebSocket is not open");
    socket.send(JSON.stringify(message));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const socket = this.#socket;
    if (!socket || socket.readyState === WebSocket.CLOSED) {
      this.#end();
      return;
    }
    const gone = new Promise<void>((resolve) => socket.addEventListener("close", () => resolve()));
    socket.close(1000, "gateway closing");
    // A peer that never answers the close frame must not hold shutdown.
    await Promise.race([gone, new Promise((r) => setTimeout(r, 1000))]);
    this.#end();
  }

  async terminate(): Promise<void> {
    await this.close();
  }

  /** The connection is over (either side): tell the client once. */
  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.onclose?.();
  }
}
