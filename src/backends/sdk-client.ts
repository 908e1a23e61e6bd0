import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { Protocol } from "@modelcontextprotocol/sdk/shared/protocol.js";
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ErrorCode,
  ListRootsRequestSchema,
  McpError,
} from "@modelcontextprotocol/sdk/types.js";
import { RELAY_VALIDATOR } from "../relay-validator.ts";
import { VERSION } from "../version.ts";
import type { BackendNotification, ClientRequestHandler, ListKind } from "./backend.ts";

/** Where a backend's own requests and notifications go. */
export interface SdkClientHooks {
  /** Declare `roots` and relay the backend's roots/list. */
  forwardRoots: boolean;
  /** Who answers sampling/elicitation/roots requests right now (read per request). */
  clientRequests: () => ClientRequestHandler | undefined;
  /** A list_changed notification arrived. */
  onListChanged: (kind: ListKind) => Promise<void>;
  /** Any other notification (log messages, resource updates), for clients. */
  onNotification: (notification: BackendNotification) => void;
}

const LIST_CHANGED: Record<string, ListKind> = {
  "notifications/tools/list_changed": "tools",
  "notifications/resources/list_changed": "resources",
  "notifications/prompts/list_changed": "prompts",
};

/** The SDK `Client` the gateway speaks to one backend with: client capabilities and the relay handlers. */
export function createSdkClient(hooks: SdkClientHooks): Client {
  const client = new Client(
    { name: "mcp-gateway", version: VERSION },
    {
      capabilities: {
        sampling: {},
        elicitation: {},
        ...(hooks.forwardRoots ? { roots: { listChanged: true } } : {}),
      },
      jsonSchemaValidator: RELAY_VALIDATOR,
    },
  );
  const relay = (method: string) => (request: { params?: unknown }, extra: { signal: AbortSignal }) => {
    const handler = hooks.clientRequests();
    if (!handler) throw new McpError(ErrorCode.MethodNotFound, `no client can answer ${method}`);
    return handler(method, request.params as Record<string, unknown> | undefined, extra.signal);
  };
  // Registered on Protocol directly: the Client's own wrappers would re-validate and rewrite the
  // client's answer; the gateway relays it untouched.
  const register = (schema: Parameters<Client["setRequestHandler"]>[0], method: string): void =>
    Protocol.prototype.setRequestHandler.call(client, schema, relay(method) as never);
  register(CreateMessageRequestSchema, "sampling/createMessage");
  register(ElicitRequestSchema, "elicitation/create");
  if (hooks.forwardRoots) register(ListRootsRequestSchema, "roots/list");
  client.fallbackNotificationHandler = async (notification) => {
    const kind = LIST_CHANGED[notification.method];
    if (kind) return hooks.onListChanged(kind);
    hooks.onNotification({
      method: notification.method,
      params: notification.params as Record<string, unknown> | undefined,
    });
  };
  return client;
}
