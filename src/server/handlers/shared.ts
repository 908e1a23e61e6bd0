import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { Protocol, type RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import {
  ErrorCode,
  McpError,
  type ServerNotification,
  type ServerRequest,
} from "@modelcontextprotocol/sdk/types.js";
import type { Backend, CallOptions } from "../../backends/backend.ts";

/** What the SDK hands a request handler (signal, ids, notification sender). */
export type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;
/** A result relayed as the backend sent it. */
export type Result = Record<string, unknown>;
/** Runs a backend request on behalf of the session, so requests the backend sends meanwhile find it. */
export type Track = <T>(backend: string, extra: Extra, run: () => Promise<T>) => Promise<T>;

/** Relay options for one client request: its cancellation signal and progress forwarding. */
export function relayOptions(
  meta: { progressToken?: string | number } | undefined,
  extra: Extra,
): CallOptions & { session: string } {
  const token = meta?.progressToken;
  return {
    signal: extra.signal,
    session: extra.sessionId ?? "stdio",
    ...(token !== undefined
      ? {
          onProgress: (p) => {
            void extra
              .sendNotification({ method: "notifications/progress", params: { progressToken: token, ...p } })
              .catch(() => undefined);
          },
        }
      : {}),
  };
}

/**
 * Registers a handler on the Protocol layer, skipping the SDK Server's result re-validation, which would
 * rewrite what the backend sent (defaults added, unknown fields dropped); the gateway relays untouched.
 */
export function setRawHandler(
  server: Server,
  schema: Parameters<Server["setRequestHandler"]>[0],
  handler: (request: never, extra: Extra) => Promise<Result>,
): void {
  Protocol.prototype.setRequestHandler.call(server, schema, handler as never);
}

export async function ready(backend: Backend): Promise<void> {
  if (backend.snapshot().status !== "running") await backend.start().catch(() => undefined);
}

export function mustRelay(backend: Backend): NonNullable<Backend["request"]> {
  if (!backend.request) {
    throw new McpError(ErrorCode.MethodNotFound, `backend "${backend.name}" has no resources or prompts`);
  }
  return backend.request.bind(backend);
}
