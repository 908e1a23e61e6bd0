import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { getParseErrorMessage, safeParse } from "@modelcontextprotocol/sdk/server/zod-compat.js";
import { Protocol, type RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import {
  ErrorCode,
  McpError,
  type ServerCapabilities,
  type ServerNotification,
  type ServerRequest,
} from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import type { CallContext, ProgressUpdate, Surface } from "../../gateway/call-context.ts";
import type { Gateway } from "../../gateway/gateway.ts";
import { asProtocolError } from "../boundary.ts";

/** What the SDK hands a request handler (signal, ids, notification sender). */
export type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;
/** A result relayed as the backend sent it. */
export type Result = Record<string, unknown>;
/** A request's params object. */
export type Params = Record<string, unknown>;
/** The SDK (1.x) schema of one request: method literal and params. */
export type RequestSchema = Parameters<Server["setRequestHandler"]>[0];

/** One client session as its handlers see it. */
export interface Session {
  gateway: Gateway;
  server: Server;
  surface: Surface;
  /** The call context of one request (its progress token, if any, from the request's `_meta`). */
  context(extra: Extra, meta?: { progressToken?: string | number }): CallContext;
}

/**
 * One MCP request the gateway answers, independent of protocol revision: the 2025 session server registers
 * it on its SDK `Server`, the 2026-07-28 stateless server dispatches to it by method.
 */
export interface Operation {
  method: string;
  /** Validates the request (`{ method, params }`) before `run` sees its params. */
  schema: RequestSchema;
  /** True for results relayed from a backend: registered without the SDK's result re-validation. */
  raw: boolean;
  /** True when the request's `_meta.progressToken` asks for progress. */
  progress: boolean;
  /** True for methods 2026-07-28 removed (`resources/subscribe`, `logging/setLevel`, …). */
  legacyOnly: boolean;
  /** Server capabilities a session must declare for it (the SDK refuses the handler without them). */
  capabilities?: ServerCapabilities | undefined;
  run(ctx: CallContext, params: Params): Promise<Result>;
}

/** Declares an operation; `run` gets the params as the schema parsed them. */
export function operation<P>(
  method: string,
  schema: RequestSchema,
  run: (ctx: CallContext, params: P) => Promise<Result> | Result,
  options: {
    raw?: boolean;
    progress?: boolean;
    legacyOnly?: boolean;
    capabilities?: ServerCapabilities;
  } = {},
): Operation {
  return {
    method,
    schema,
    raw: options.raw ?? false,
    progress: options.progress ?? false,
    legacyOnly: options.legacyOnly ?? false,
    ...(options.capabilities ? { capabilities: options.capabilities } : {}),
    run: async (ctx, params) => run(ctx, params as P),
  };
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
  schema: RequestSchema,
  handler: (request: never, extra: Extra) => Promise<Result>,
): void {
  // The SDK's own parse of the request would answer bad params with -32603; checked here, they are -32602.
  const method = (schema as unknown as { shape: { method: { value: string } } }).shape.method.value;
  const checked = async (request: unknown, extra: Extra): Promise<Result> => {
    const parsed = safeParse(schema, request);
    if (!parsed.success) {
      throw new McpError(
        ErrorCode.InvalidParams,
        `Invalid params for ${method}: ${getParseErrorMessage(parsed.error)}`,
      );
    }
    return handler(parsed.data as never, extra);
  };
  const any = z.looseObject({ method: z.literal(method) });
  Protocol.prototype.setRequestHandler.call(server, any as never, handled(checked) as never);
}

/** Registers operations on a 2025 session's SDK `Server`. */
export function registerOperations(session: Session, operations: readonly Operation[]): void {
  for (const op of operations) {
    if (op.capabilities) session.server.registerCapabilities(op.capabilities);
    const run = (request: { params?: Params & { _meta?: Params } }, extra: Extra): Promise<Result> =>
      op.run(
        session.context(
          extra,
          op.progress ? (request.params?._meta as { progressToken?: string }) : undefined,
        ),
        request.params ?? {},
      );
    if (op.raw) setRawHandler(session.server, op.schema, run as never);
    else session.server.setRequestHandler(op.schema, handled(run) as never);
  }
}

/** Where a request's progress goes: notifications/progress with the client's token, errors ignored. */
export function progressSink(
  token: string | number | undefined,
  send: (notification: {
    method: "notifications/progress";
    params: ProgressUpdate & { progressToken: string | number };
  }) => Promise<void>,
): { onProgress?: (update: ProgressUpdate) => void } {
  if (token === undefined) return {};
  return {
    onProgress: (p) => {
      void send({ method: "notifications/progress", params: { progressToken: token, ...p } }).catch(
        () => undefined,
      );
    },
  };
}
