import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { z } from "zod";
import { ANONYMOUS, type CallContext, type Principal, type Surface } from "../gateway/call-context.ts";
import type { Gateway } from "../gateway/gateway.ts";
import { forgetSessionLabel, sessionLabel } from "../gateway/pipeline.ts";
import type { SessionPeer } from "../gateway/session-hub.ts";
import { RELAY_VALIDATOR } from "../relay-validator.ts";
import { VERSION } from "../version.ts";
import { surfaceOperations } from "./handlers/operations.ts";
import { type Extra, progressSink, registerOperations, type Session } from "./handlers/shared.ts";

/** What the meta surface tells a model about itself (initialize and server/discover). */
export const INSTRUCTIONS =
  "Tools of many servers sit behind this gateway. Find one with gateway_search_tools, then call it with gateway_invoke.";
const Raw = z.looseObject({});

/** Options of one session: who it is and how its label reads in logs. */
export interface SessionOptions {
  /** Label for a session without an id of its own (stdio, in-process). @default "stdio" */
  label?: string;
  /**
   * Who opened it (fixed at initialize; the HTTP front end refuses the session id with any other key).
   * @default ANONYMOUS
   */
  principal?: Principal;
}

/** Builds the MCP server object for one client session on the given surface. */
export function createSessionServer(
  gateway: Gateway,
  surface: Surface,
  options: SessionOptions = {},
): Server {
  const server = new Server(
    { name: "mcp-gateway", version: VERSION },
    {
      capabilities: {
        tools: { listChanged: surface.kind !== "meta" },
        resources: { subscribe: true, listChanged: true },
        prompts: { listChanged: true },
        completions: {},
        logging: {},
      },
      ...(surface.kind === "meta" ? { instructions: INSTRUCTIONS } : {}),
      jsonSchemaValidator: RELAY_VALIDATOR,
    },
  );
  const peer: SessionPeer = {
    label: options.label ?? "stdio",
    backend: surface.kind === "direct" ? surface.backend : undefined,
    meta: surface.kind === "meta",
    logLevel: undefined,
    subscriptions: new Set(),
    notify: (notification) => server.notification(notification as never),
    request: (method, params, requestOptions) =>
      server.request({ method, params }, Raw, {
        signal: requestOptions.signal,
        ...(requestOptions.relatedRequestId !== undefined
          ? { relatedRequestId: requestOptions.relatedRequestId }
          : {}),
      }),
    clientCapabilities: () => server.getClientCapabilities(),
  };
  const principal = options.principal ?? ANONYMOUS;
  // Log messages and list changes of a backend the profile does not reach would leak its name and activity.
  if (gateway.restricts(principal)) peer.hears = (server) => gateway.mayReach(principal, server);
  const detach = gateway.attach(peer);
  let sessionId: string | undefined;
  server.onclose = () => {
    detach();
    // The label cache is for live sessions (legacy SSE and /ws ids land in it here too).
    if (sessionId !== undefined) forgetSessionLabel(sessionId);
  };

  const context = (extra: Extra, meta?: { progressToken?: string | number }): CallContext => {
    if (extra.sessionId && peer.label !== sessionLabel(extra.sessionId)) {
      sessionId = extra.sessionId;
      peer.label = sessionLabel(extra.sessionId);
    }
    return {
      principal,
      session: peer,
      surface,
      requestId: extra.requestId,
      signal: extra.signal,
      ...progressSink(meta?.progressToken, (n) => extra.sendNotification(n)),
    };
  };
  const session: Session = { gateway, server, surface, context };

  registerOperations(session, surfaceOperations(gateway, surface));
  return server;
}
