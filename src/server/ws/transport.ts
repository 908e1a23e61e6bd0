import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { randomToken } from "../../digest.ts";

/** The part of a Bun `ServerWebSocket` the transport uses (tests may hand in their own). */
export interface MessageSocket {
  /** Sends one text frame; Bun answers 0 when the frame was dropped (the backpressure limit). */
  send(text: string): number;
  close(code?: number, reason?: string): void;
}

/**
 * Server side of MCP over WebSocket: one connection is one session, one JSON-RPC message per text frame
 * (the SDK's `WebSocketClientTransport` framing, subprotocol `mcp`). Frames arrive through `receive`, after
 * the session layer has parsed and checked them; the socket's close ends the transport.
 */
export class WebSocketServerTransport implements Transport {
  /** Random, like a Streamable HTTP session id; logs show only its hash. */
  readonly sessionId = randomToken(24, "base64url");
  onmessage?: (message: JSONRPCMessage) => void;
  onerror?: (error: Error) => void;
  onclose?: () => void;
  readonly #socket: MessageSocket;
  #closed = false;

  constructor(socket: MessageSocket) {
    this.#socket = socket;
  }

  async start(): Promise<void> {}

  /** @throws Error when the connection is closed or the frame was dropped under backpressure */
  async send(message: JSONRPCMessage): Promise<void> {
    if (this.#closed) throw new Error("WebSocket is closed");
    if (this.#socket.send(JSON.stringify(message)) === 0) {
      throw new Error("WebSocket send buffer is full: message dropped");
    }
  }

  /** Hands one checked message to the session's server. */
  receive(message: JSONRPCMessage): void {
    if (!this.#closed) this.onmessage?.(message);
  }

  /** Closes the socket (the session ends when its close event arrives, or at once if it already has). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#socket.close(1000, "session closed");
    this.closed();
  }

  /** The socket closed (either side): ends the session once. */
  closed(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.onclose?.();
  }
}
