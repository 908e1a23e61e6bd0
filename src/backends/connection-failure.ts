import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import { GatewayError } from "../errors.ts";

/**
 * What a backend attaches to the error of a call that failed because its connection failed (the process
 * died, the stream broke, the start did not succeed). The failsafes count every call of one connection
 * failure as one failure, and treat `restored` as the backend being back.
 */
export interface ConnectionFailure {
  /** One object per connection (per start attempt): errors that share it failed together. */
  readonly connection: object;
  /** Settles when a later connection is up. */
  readonly restored: Promise<void>;
}

/** A call that was in flight, or being sent, when the connection to the backend was lost. */
export class ConnectionLostError extends McpError {
  readonly connectionFailure: ConnectionFailure;

  constructor(message: string, failure: ConnectionFailure, options: { cause?: unknown } = {}) {
    super(ErrorCode.ConnectionClosed, message);
    if (options.cause !== undefined) this.cause = options.cause;
    this.connectionFailure = failure;
  }
}

/** A backend that could not be started; the request was never sent (`BACKEND_UNAVAILABLE`). */
export class BackendUnavailableError extends GatewayError {
  readonly connectionFailure: ConnectionFailure;

  constructor(message: string, failure: ConnectionFailure, options: { cause?: unknown } = {}) {
    super("BACKEND_UNAVAILABLE", message, options);
    this.connectionFailure = failure;
  }
}

/** The connection failure an error carries, on itself or its direct cause. */
export function connectionFailureOf(error: unknown): ConnectionFailure | undefined {
  for (const e of [error, (error as { cause?: unknown } | undefined)?.cause]) {
    if (e instanceof ConnectionLostError || e instanceof BackendUnavailableError) return e.connectionFailure;
  }
  return undefined;
}

/**
 * Hands out one {@link ConnectionFailure} identity per connection attempt; a connection coming up settles
 * the `restored` promise of every earlier attempt (failed starts and lost connections alike).
 */
export class ConnectionEpochs {
  #current!: ConnectionFailure;
  #pending: { failure: ConnectionFailure; resolve: () => void }[] = [];

  constructor() {
    this.begin();
  }

  /** The identity of the connection being attempted or in use. */
  get current(): ConnectionFailure {
    return this.#current;
  }

  /** A new connection attempt starts: failures from now on belong to it. */
  begin(): void {
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#current = { connection: {}, restored: promise };
    this.#pending.push({ failure: this.#current, resolve });
  }

  /** The current attempt is up: every earlier one is restored; this one only by a later one. */
  up(): void {
    for (const { failure, resolve } of this.#pending) if (failure !== this.#current) resolve();
    this.#pending = this.#pending.filter(({ failure }) => failure === this.#current);
  }
}
