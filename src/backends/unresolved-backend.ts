import { GatewayError } from "../errors.ts";
import type { Backend, BackendSnapshot, TransportKind } from "./backend.ts";

/**
 * A configured backend that is never started because its config uses unset `${VAR}`s: it shows in error
 * state (in /health, gateway_list_servers, `servers`) with the variables to set, and every call says so.
 */
export class UnresolvedBackend implements Backend {
  readonly name: string;
  readonly description: string;
  readonly transport: TransportKind;
  readonly tools = [];
  readonly toolsListedAt = undefined;
  readonly #reason: string;

  constructor(
    name: string,
    options: { description: string; transport: TransportKind; variables: readonly string[] },
  ) {
    this.name = name;
    this.description = options.description;
    this.transport = options.transport;
    const list = options.variables.map((v) => `\${${v}}`).join(", ");
    this.#reason = `not started: ${list} ${options.variables.length === 1 ? "is" : "are"} not set (export it, or add it to the .env file beside the config, e.g. gateway.env)`;
  }

  snapshot(): BackendSnapshot {
    return {
      name: this.name,
      description: this.description,
      transport: this.transport,
      status: "error",
      tools: 0,
      restarts: 0,
      lastError: this.#reason,
      pid: undefined,
      toolsSource: "none",
    };
  }

  #refuse(): Promise<never> {
    return Promise.reject(new GatewayError("CONFIG_INVALID", `backend "${this.name}" ${this.#reason}`));
  }

  start(): Promise<void> {
    return this.#refuse();
  }

  callTool(): Promise<Record<string, unknown>> {
    return this.#refuse();
  }

  refreshTools(): Promise<void> {
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }

  onToolsChanged(): () => void {
    return () => undefined;
  }
}
