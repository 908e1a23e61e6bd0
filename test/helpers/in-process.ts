import type { GatewayConfig } from "../../src/config/schema.ts";
import { ANONYMOUS, type CallContext, type Surface } from "../../src/gateway/call-context.ts";
import { GatewayCore, type GatewayCoreOptions } from "../../src/gateway/core.ts";
import { Gateway } from "../../src/gateway/gateway.ts";
import type { SessionPeer } from "../../src/gateway/session-hub.ts";
import type { MetaToolName } from "../../src/server/meta-tool-definitions.ts";
import { callMetaTool } from "../../src/server/meta-tools.ts";

type Result = Record<string, unknown>;

/** A session peer for in-process calls: it has no client, so it declares no capabilities. */
export function testPeer(label = "test"): SessionPeer {
  return {
    label,
    backend: undefined,
    meta: true,
    logLevel: undefined,
    subscriptions: new Set(),
    notify: async () => undefined,
    request: async () => {
      throw new Error("the in-process test session answers no requests");
    },
    clientCapabilities: () => undefined,
  };
}

/** A call context as a front end would build it for one request. */
export function testContext(
  options: { surface?: Surface; signal?: AbortSignal; peer?: SessionPeer } = {},
): CallContext {
  return {
    principal: ANONYMOUS,
    session: options.peer ?? testPeer(),
    surface: options.surface ?? { kind: "meta" },
    requestId: 1,
    signal: options.signal,
  };
}

/** Calls a meta-tool on a gateway in this process, as a meta session would. */
export function metaCall(
  target: Gateway | { gateway: Gateway },
  name: MetaToolName,
  args: Record<string, unknown>,
  options: { signal?: AbortSignal } = {},
): Promise<Result> {
  const gateway = target instanceof Gateway ? target : target.gateway;
  return callMetaTool(gateway, testContext(options), name, args);
}

/** A gateway in this process with its core in reach, for tests that inspect backends and policies. */
export class InProcessGateway {
  readonly core: GatewayCore;
  readonly gateway: Gateway;

  constructor(config: GatewayConfig, options: GatewayCoreOptions = {}) {
    this.core = new GatewayCore(config, options);
    this.gateway = new Gateway(this.core);
  }

  start(options: { tickMs?: number } = {}): void {
    this.gateway.start(options);
  }

  get ready(): Promise<void> {
    return this.gateway.ready;
  }

  stop(): Promise<void> {
    return this.gateway.stop();
  }
}
