import { getParseErrorMessage, safeParse } from "@modelcontextprotocol/sdk/server/zod-compat.js";
import type { ClientCapabilities, LoggingLevel } from "@modelcontextprotocol/sdk/types.js";
import {
  type CacheHint,
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  inputRequired,
  type JSONRPCRequest,
  LOG_LEVEL_META_KEY,
  PROTOCOL_VERSION_META_KEY,
  type Result as SdkResult,
  type Server,
  type ServerContext,
  type StandardSchemaV1,
  Server as StatelessSdkServer,
} from "@modelcontextprotocol/server";
import { relayingInputRequired } from "../backends/modern-relay.ts";
import { GatewayError } from "../errors.ts";
import { ANONYMOUS, type CallContext, type Principal, type Surface } from "../gateway/call-context.ts";
import type { Gateway } from "../gateway/gateway.ts";
import type { SessionPeer } from "../gateway/session-hub.ts";
import { TASKS_EXTENSION } from "../gateway/task-relay.ts";
import { RELAY_VALIDATOR } from "../relay-validator.ts";
import { VERSION } from "../version.ts";
import { asProtocolError } from "./boundary.ts";
import { surfaceOperations } from "./handlers/operations.ts";
import { type Operation, type Params, progressSink, type Result } from "./handlers/shared.ts";
import { type AskFn, type InputRounds, isGatewayState } from "./input-rounds.ts";
import { INSTRUCTIONS } from "./session-server.ts";
import { type ExtensionTaskRelay, registerExtensionTasks } from "./stateless-tasks.ts";

/** The stateless protocol revision the gateway serves beside the 2025 sessions. */
export const STATELESS_VERSION = "2026-07-28";

/** The `_meta` keys that carry the 2026-07-28 envelope: consumed here, never relayed to a backend. */
const ENVELOPE_KEYS = [
  PROTOCOL_VERSION_META_KEY,
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  LOG_LEVEL_META_KEY,
];

/**
 * How long a 2026-07-28 client may reuse a list. The four meta-tools never change (an hour, any cache);
 * the catalog changes when backends start, stop or announce list_changed, which reaches clients that
 * hold a `subscriptions/listen` stream; the minute bounds what the others miss.
 */
const META_TOOLS_TTL_MS = 3_600_000;
const LIST_TTL_MS = 60_000;

/** The requests one surface answers statelessly, by method (2026-07-28 removed the rest). */
export function statelessOperations(gateway: Gateway, surface: Surface): ReadonlyMap<string, Operation> {
  return new Map(
    surfaceOperations(gateway, surface)
      .filter((op) => !op.legacyOnly)
      .map((op) => [op.method, op.method === "tools/call" ? withoutLegacyTasks(op) : op]),
  );
}

/**
 * `params.task` is the 2025-11-25 task augmentation; 2026-07-28 moved tasks to the
 * `io.modelcontextprotocol/tasks` extension, where the server decides whether a call becomes a task. The
 * extension says a `task` hint is tolerated and changes nothing, so it is dropped here (relayed, it would
 * turn the call into a 2025 task on a 2025 backend).
 */
function withoutLegacyTasks(op: Operation): Operation {
  return {
    ...op,
    run: (ctx, params) => {
      const { task: _, ...rest } = params;
      return op.run(ctx, rest);
    },
  };
}

function cacheHints(surface: Surface, principal: Principal): Record<string, CacheHint> {
  // Lists vary per authorization (profiles), never per connection: a shared cache may keep them only when
  // every caller is the same anonymous principal.
  const cacheScope = principal.id === ANONYMOUS.id ? "public" : "private";
  const list = { ttlMs: LIST_TTL_MS, cacheScope } as const;
  return {
    "server/discover": list,
    "tools/list": surface.kind === "meta" ? { ttlMs: META_TOOLS_TTL_MS, cacheScope: "public" } : list,
    "resources/list": list,
    "resources/templates/list": list,
    "prompts/list": list,
  };
}

/** The requests whose answer may be `input_required` (2026-07-28 allows no others). */
const MULTI_ROUND = new Set(["tools/call", "prompts/get", "resources/read"]);

/**
 * The peer of one stateless request. It is never attached to the hub's session list (nothing outlives the
 * request), but the hub tracks the call on it, so a backend's log messages reach it (only when the request
 * asked for a log level, as 2026-07-28 requires) and its requests for input find it: they go to `ask`
 * (answered through `input_required` rounds) or, without it, are refused.
 */
function requestPeer(surface: Surface, ctx: ServerContext, ask?: AskFn): SessionPeer {
  const envelope = (ctx.mcpReq.envelope ?? {}) as Record<string, unknown>;
  const logLevel = envelope[LOG_LEVEL_META_KEY] as LoggingLevel | undefined;
  return {
    label: "stateless",
    backend: surface.kind === "direct" ? surface.backend : undefined,
    meta: surface.kind === "meta",
    logLevel,
    subscriptions: new Set(),
    notify: (notification) =>
      logLevel !== undefined && notification.method === "notifications/message"
        ? ctx.mcpReq.notify(notification)
        : Promise.resolve(),
    request: (method, params, options) =>
      ask
        ? ask(method, params, options.signal)
        : Promise.reject(
            new GatewayError(
              "INVALID_REQUEST",
              `the backend asked the client for ${method} during ${ctx.mcpReq.method}, where 2026-07-28 has no way to ask (only tools/call, prompts/get and resources/read can answer input_required)`,
            ),
          ),
    clientCapabilities: () => envelope[CLIENT_CAPABILITIES_META_KEY] as ClientCapabilities | undefined,
  };
}

/** A request's params without the envelope keys (the backend speaks its own revision). */
function relayedParams(params: Params | undefined): Params {
  const meta = params?._meta as Params | undefined;
  if (!meta || !ENVELOPE_KEYS.some((key) => key in meta)) return params ?? {};
  const rest = Object.fromEntries(Object.entries(meta).filter(([key]) => !ENVELOPE_KEYS.includes(key)));
  const { _meta: _, ...others } = params ?? {};
  return Object.keys(rest).length > 0 ? { ...others, _meta: rest } : others;
}

/** An operation's params as a Standard Schema: envelope keys dropped, then the SDK 1.x request schema. */
function paramsSchema(op: Operation): StandardSchemaV1<unknown, Params> {
  return {
    "~standard": {
      version: 1,
      vendor: "mcp-gateway",
      validate: (value: unknown) => {
        const parsed = safeParse(op.schema, { method: op.method, params: relayedParams(value as Params) });
        if (!parsed.success) return { issues: [{ message: getParseErrorMessage(parsed.error) }] };
        return { value: (parsed.data as { params?: Params }).params ?? {} };
      },
    },
  };
}

/** Options of one stateless server: whose request it answers. */
export interface StatelessServerOptions {
  /** Who sent the request (the auth middleware's principal). @default ANONYMOUS */
  principal?: Principal;
  /** Where calls that wait for the client's input are kept between rounds. @default none: refused */
  rounds?: InputRounds | undefined;
  /**
   * Where the tasks extension's requests go, when a backend this surface reaches advertises the extension
   * (it is then advertised too). @default none: no extension, `tasks/*` are -32601
   */
  tasks?: ExtensionTaskRelay | undefined;
}

/**
 * The SDK 2.x server with one difference: a `tools/call` result leaves as the handler returned it. The SDK
 * would re-validate it and send its parsed copy (defaults added, unknown fields dropped); the gateway
 * relays what the backend sent, as `setRawHandler` does on 1.x. Every other method keeps the SDK's wrapping
 * (cache hints, the input-required checks).
 */
class RelayServer extends StatelessSdkServer {
  protected override _wrapHandler(
    method: string,
    handler: (request: JSONRPCRequest, ctx: ServerContext) => Promise<SdkResult>,
  ): (request: JSONRPCRequest, ctx: ServerContext) => Promise<SdkResult> {
    return method === "tools/call" ? handler : super._wrapHandler(method, handler);
  }
}

/**
 * Builds the server that answers one 2026-07-28 request on a surface: each operation registered by
 * method (an unknown one is the SDK's 404 / -32601), its params checked with the same schema the 2025
 * session uses, the call context built as `session-server.ts` builds it. The SDK adds only the fields the
 * revision requires (`resultType`, `ttlMs`/`cacheScope`, `serverInfo`); `server/discover` is the SDK's.
 */
export function createStatelessServer(
  operations: ReadonlyMap<string, Operation>,
  surface: Surface,
  options: StatelessServerOptions = {},
): Server {
  const principal = options.principal ?? ANONYMOUS;
  const server = new RelayServer(
    { name: "mcp-gateway", version: VERSION },
    {
      // List changes reach `subscriptions/listen` streams (the endpoint's hub peer); the four meta-tools
      // never change.
      capabilities: {
        tools: surface.kind === "meta" ? {} : { listChanged: true },
        resources: { listChanged: true, subscribe: true },
        prompts: { listChanged: true },
        completions: {},
        ...(options.tasks ? { extensions: { [TASKS_EXTENSION]: {} } } : {}),
      },
      ...(surface.kind === "meta" ? { instructions: INSTRUCTIONS } : {}),
      cacheHints: cacheHints(surface, principal),
      jsonSchemaValidator: RELAY_VALIDATOR,
    },
  );
  const callContext = (ctx: ServerContext, token?: string | number, ask?: AskFn): CallContext => ({
    principal,
    session: requestPeer(surface, ctx, ask),
    surface,
    requestId: ctx.mcpReq.id,
    signal: ctx.mcpReq.signal,
    ...progressSink(token, (n) => ctx.mcpReq.notify({ method: n.method, params: { ...n.params } })),
  });
  if (options.tasks) registerExtensionTasks(server, options.tasks, (ctx) => callContext(ctx));
  for (const op of operations.values()) {
    const context = (ctx: ServerContext, params: Params & { _meta?: Params }, ask?: AskFn): CallContext => {
      const token = op.progress ? (params._meta?.progressToken as string | number | undefined) : undefined;
      return callContext(ctx, token, ask);
    };
    const rounds = MULTI_ROUND.has(op.method) ? options.rounds : undefined;
    const handler = async (params: Params & { _meta?: Params }, ctx: ServerContext): Promise<Result> => {
      try {
        if (!rounds) return await op.run(context(ctx, params), params);
        return await inRounds(rounds, { principal, surface }, ctx, (ask, signal) =>
          op.run({ ...context(ctx, params, ask), signal }, params),
        );
      } catch (error) {
        throw asProtocolError(error);
      }
    };
    // Params checked with the schema the 2025 session uses, so both revisions read a request alike; a bad
    // one is -32602 (the SDK's own 2-argument form would answer -32603).
    server.setRequestHandler(op.method, { params: paramsSchema(op) }, handler as never);
  }
  return server;
}

/**
 * One request of a call that may take several rounds. A first request starts the call; a retry carrying a
 * `requestState` the gateway handed out answers the input it asked for and continues that call. Either
 * ends with the call's result or with `input_required` naming what the backend asks for next.
 *
 * On the relaying surfaces the call runs so that a 2026-07-28 backend's own `input_required` comes back as
 * it is (its keys, its `requestState`): the client fulfils it and retries, and a retry whose state is not
 * the gateway's is relayed with its `inputResponses` and `requestState` for the backend to check.
 * @throws the call's error; GatewayError USAGE for an unknown, expired or foreign gateway requestState
 */
async function inRounds(
  rounds: InputRounds,
  caller: { principal: Principal; surface: Surface },
  ctx: ServerContext,
  run: (ask: AskFn, signal: AbortSignal) => Promise<Result>,
): Promise<Result> {
  const state = ctx.mcpReq.requestState();
  const owner = caller.principal.id;
  let call: ReturnType<InputRounds["begin"]>;
  if (typeof state === "string" && (isGatewayState(state) || caller.surface.kind === "meta")) {
    call = rounds.resume(state, owner);
    call.answer(ctx.mcpReq.inputResponses as Record<string, unknown> | undefined);
  } else if (caller.surface.kind === "meta") {
    call = rounds.begin(owner, run);
  } else {
    const envelope = (ctx.mcpReq.envelope ?? {}) as Record<string, unknown>;
    const relay = {
      clientCapabilities: envelope[CLIENT_CAPABILITIES_META_KEY] as Record<string, unknown> | undefined,
      inputResponses: ctx.mcpReq.inputResponses as Record<string, unknown> | undefined,
      requestState: typeof state === "string" ? state : undefined,
    };
    call = rounds.begin(owner, (ask, signal) => relayingInputRequired(relay, () => run(ask, signal)));
  }
  const outcome = await rounds.round(call, ctx.mcpReq.signal);
  if (outcome.kind === "complete") return outcome.result;
  return inputRequired({ inputRequests: outcome.requests as never, requestState: outcome.state }) as Result;
}
