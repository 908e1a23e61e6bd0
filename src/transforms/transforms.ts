import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import type { Backend } from "../backends/backend.ts";
import type { GatewayConfig } from "../config/schema.ts";
import type { BackendCall } from "./chain.ts";
import { TransformChain } from "./chain.ts";
import type { TransformStep } from "./schema.ts";

/**
 * Every backend's transform chain, compiled from the current config (recompiled when a reload hands in
 * another `transforms:` list).
 */
export class Transforms {
  readonly #config: () => GatewayConfig;
  readonly #chains = new Map<string, { from: readonly TransformStep[]; chain: TransformChain }>();

  constructor(config: () => GatewayConfig) {
    this.#config = config;
  }

  /** The chain of one backend, or undefined when it has no transforms. */
  chainOf(server: string): TransformChain | undefined {
    const steps = this.#config().backends[server]?.transforms;
    if (!steps || steps.length === 0) return undefined;
    const cached = this.#chains.get(server);
    if (cached?.from === steps) return cached.chain;
    const chain = new TransformChain(steps);
    this.#chains.set(server, { from: steps, chain });
    return chain;
  }

  /** A backend's tools as clients see them (the input itself when it has no transforms). */
  tools(server: string, raw: readonly Tool[]): readonly Tool[] {
    return this.chainOf(server)?.tools(raw) ?? raw;
  }
}

/**
 * The backend as one resolved call sees it: `callTool` of the exposed name goes out under the backend's
 * name with its arguments filled, and its result comes back transformed; everything else is the backend.
 */
export function throughChain(backend: Backend, call: BackendCall): Backend {
  const callTool: Backend["callTool"] = async (_name, args, options) =>
    call.result(await backend.callTool(call.name, call.arguments(args), options));
  return new Proxy(backend, {
    get(target, property) {
      if (property === "callTool") return callTool;
      const value: unknown = Reflect.get(target, property, target);
      // Methods run on the backend itself (its private state), not on the proxy.
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
