import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { Protocol, type RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import type { ServerNotification, ServerRequest } from "@modelcontextprotocol/sdk/types.js";
import type { CallContext, Surface } from "../../gateway/call-context.ts";
import type { Gateway } from "../../gateway/gateway.ts";
import { asProtocolError } from "../boundary.ts";

/** What the SDK hands a request handler (signal, ids, notification sender). */
export type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;
/** A result relayed as the backend sent it. */
export type Result = Record<string, unknown>;

/** One client session as its handlers see it. */
export interface Session {
  gateway: Gateway;
  server: Server;
  surface: Surface;
  /** The call context of one request (its progress token, if any, from the request's `_meta`). */
  context(extra: Extra, meta?: { progressToken?: string | number }): CallContext;
}

/** Wraps a handler so a gateway error leaves it as the JSON-RPC error the error table names. */
export function handled<A extends unknown[], T>(
  handler: (...args: A) => Promise<T>,
): (...args: A) => Promise<T> {
  return async (...args) => {
    try {
      return await handler(...args);
    } catch (error) {
      throw asProtocolError(error);
    }
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
  Protocol.prototype.setRequestHandler.call(server, schema, handled(handler) as never);
}
