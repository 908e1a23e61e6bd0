import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { type JSONRPCMessage, JSONRPCMessageSchema } from "@modelcontextprotocol/sdk/types.js";
import { randomToken } from "../../digest.ts";

const encoder = new TextEncoder();

/**
 * Server side of the legacy HTTP+SSE transport (protocol 2024-11-05) on web streams: `GET /sse` opens an
 * event stream whose first event names the URL to POST messages to; answers come back on the stream.
 */
export class SseServerTransport implements Transport {
  readonly sessionId = randomToken(24, "base64url");
  onmessage?: (message: JSONRPCMessage) => void;
  onerror?: (error: Error) => void;
  onclose?: () => void;

  #controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  #keepAlive: ReturnType<typeof setInterval> | undefined;
  #closed = false;
  readonly #endpoint: string;
  readonly #keepAliveMs: number;

  /** @param endpoint path the client must POST to; `sessionId` is appended. */
  constructor(endpoint: string, options: { keepAliveMs?: number } = {}) {
    this.#endpoint = endpoint;
    this.#keepAliveMs = options.keepAliveMs ?? 15_000;
  }

  /** The long-lived event-stream response for the GET request. */
  response(): Response {
    const stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.#controller = controller;
        const url = `${this.#endpoint}?sessionId=${encodeURIComponent(this.sessionId)}`;
        controller.enqueue(encoder.encode(`event: endpoint\ndata: ${url}\n\n`));
        this.#keepAlive = setInterval(() => this.#write(": keep-alive\n\n"), this.#keepAliveMs);
        this.#keepAlive.unref?.();
      },
      cancel: () => {
        void this.close();
      },
    });
    return new Response(stream, {
      headers: { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" },
    });
  }

  async start(): Promise<void> {}

  async send(message: JSONRPCMessage): Promise<void> {
    if (this.#closed) throw new Error("SSE stream is closed");
    this.#write(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
  }

  /** Accepts one POSTed message (already parsed JSON) for this session. */
  accept(body: unknown): Response {
    const messages = Array.isArray(body) ? body : [body];
    const parsed: JSONRPCMessage[] = [];
    for (const item of messages) {
      const result = JSONRPCMessageSchema.safeParse(item);
      if (!result.success) {
        return Response.json(
          { jsonrpc: "2.0", error: { code: -32600, message: "Invalid JSON-RPC message" }, id: null },
          { status: 400 },
        );
      }
      parsed.push(result.data);
    }
    for (const message of parsed) this.onmessage?.(message);
    return new Response("Accepted", { status: 202 });
  }

  #write(text: string): void {
    if (this.#closed || !this.#controller) return;
    try {
      this.#controller.enqueue(encoder.encode(text));
    } catch {
      void this.close();
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#keepAlive);
    try {
      this.#controller?.close();
    } catch {
      // Already closed by the client going away.
    }
    this.onclose?.();
  }
}
