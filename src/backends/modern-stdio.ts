import type { Transport as ModernSdkTransport } from "@modelcontextprotocol/client";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import type { TransportKind } from "./backend.ts";
import { MODERN_VERSION, ModernTransport } from "./modern-transport.ts";
import type { BackendTransport } from "./transport.ts";

type Message = { id?: string | number; method?: string; error?: { code?: unknown; data?: unknown } };

/** The error a 2026-07-28-only server answers `initialize` with, naming the revisions it speaks. */
function refusesForModern(message: Message): boolean {
  const error = message.error;
  if (error?.code !== -32022) return false;
  const supported = (error.data as { supported?: unknown } | undefined)?.supported;
  return Array.isArray(supported) && supported.includes(MODERN_VERSION);
}

/**
 * A stdio backend whose revision is learnt from its answer to `initialize`: a 2025 server (every stdio
 * server today) answers it and the pipe carries the session as before; a server that speaks only
 * 2026-07-28 refuses it with the unsupported-version error naming that revision and keeps the pipe open,
 * and the same pipe then carries a {@link ModernTransport} (its `server/discover` first). `initialize`
 * comes first, not `server/discover`: probing in place with a request before `initialize` would break
 * servers that exit on one, and probing on a second process (the SDK's way) costs a spawn per start.
 */
export class StdioEraTransport implements BackendTransport {
  onclose?: (() => void) | undefined;
  onerror?: ((error: Error) => void) | undefined;
  onmessage?: BackendTransport["onmessage"];
  readonly #pipe: BackendTransport;
  #initialize: JSONRPCMessage | undefined;
  #modern: ModernTransport | undefined;
  /** Where the pipe's messages go once the modern client owns it. */
  #modernPipe: ModernSdkTransport | undefined;
  readonly #inbox: JSONRPCMessage[] = [];
  #draining = false;

  constructor(pipe: BackendTransport) {
    this.#pipe = pipe;
  }

  get kind(): TransportKind {
    return "stdio";
  }
  get pid(): number | undefined {
    return this.#pipe.pid;
  }
  get exitCode(): number | null | undefined {
    return this.#pipe.exitCode;
  }
  get exitSignal(): string | null | undefined {
    return this.#pipe.exitSignal;
  }
  get stderrTail(): string[] | undefined {
    return this.#pipe.stderrTail;
  }
  get noise(): { excerpt: string; count: number } | undefined {
    return this.#pipe.noise;
  }
  get failure(): string | undefined {
    return this.#pipe.failure;
  }
  /** True once the backend turned out to speak only 2026-07-28. */
  get modern(): boolean {
    return this.#modern !== undefined;
  }

  async start(): Promise<void> {
    this.#pipe.onmessage = (message) => this.#fromPipe(message);
    this.#pipe.onerror = (error) => this.onerror?.(error);
    this.#pipe.onclose = () => {
      if (this.#modernPipe) this.#modernPipe.onclose?.();
      else this.onclose?.();
    };
    await this.#pipe.start();
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (this.#modern) return this.#modern.send(message);
    if ((message as Message).method === "initialize") this.#initialize = message;
    return this.#pipe.send(message);
  }

  async close(): Promise<void> {
    if (this.#modern) await this.#modern.close();
    else await this.#pipe.close();
  }

  async terminate(): Promise<void> {
    await this.#pipe.terminate?.();
  }

  #fromPipe(message: JSONRPCMessage): void {
    if (this.#modernPipe) {
      this.#toModern(message);
      return;
    }
    const init = this.#initialize as Message | undefined;
    if (init && (message as Message).id === init.id && refusesForModern(message as Message)) {
      this.#switch();
      return;
    }
    this.onmessage?.(message);
  }

  /**
   * Hands the pipe's messages to the 2.x client one macrotask apart. Its notification handlers run a
   * microtask later than its response handling: progress and the result that follows it in one read were
   * seen handled result first, the request's progress handler already gone, so the progress was dropped
   * (1 call in 2 under load). The order on the pipe is kept.
   */
  #toModern(message: JSONRPCMessage): void {
    this.#inbox.push(message);
    if (this.#draining) return;
    this.#draining = true;
    const next = (): void => {
      const item = this.#inbox.shift();
      if (item === undefined) {
        this.#draining = false;
        return;
      }
      this.#modernPipe?.onmessage?.(item as never);
      setImmediate(next);
    };
    next();
  }

  /** Hands the pipe to a modern transport and replays the held `initialize` into it. */
  #switch(): void {
    const pipe = this.#pipe;
    const modernPipe: ModernSdkTransport = {
      // Already running: the 1.x client started it.
      start: async () => undefined,
      send: (message) => pipe.send(message as JSONRPCMessage),
      close: () => pipe.close(),
    };
    this.#modernPipe = modernPipe;
    const modern = new ModernTransport({ kind: "stdio", connect: () => modernPipe });
    modern.onmessage = (message, extra) => this.onmessage?.(message, extra);
    modern.onerror = (error) => this.onerror?.(error);
    modern.onclose = () => this.onclose?.();
    this.#modern = modern;
    const init = this.#initialize;
    this.#initialize = undefined;
    if (init) void modern.send(init);
  }
}
