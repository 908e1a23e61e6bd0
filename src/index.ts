/**
 * The programmatic API, the package's `exports` entry: `import { Gateway, loadConfig } from "mcp-gateway"`.
 * It is the one barrel in `src/` on purpose — a package needs one front door; inside, modules import by path.
 * The package ships TypeScript, so it runs on Bun (as the `mcp-gateway` command does).
 */
import { parseConfig as parseConfigText } from "./config/load.ts";
import { resolveSettings } from "./config/resolve.ts";
import type { GatewayConfig } from "./config/schema.ts";
import { ANONYMOUS, type CallContext, type Principal, type ProgressUpdate } from "./gateway/call-context.ts";
import type { SessionPeer } from "./gateway/session-hub.ts";

export type { BackendSnapshot, BackendStatus } from "./backends/backend.ts";
export type { BackendConfig, GatewayConfig } from "./config/schema.ts";
export { GatewayError, isGatewayError } from "./errors.ts";
export type { CallContext, Principal, ProgressUpdate, Surface } from "./gateway/call-context.ts";
export type { GatewayCoreOptions } from "./gateway/core.ts";
export {
  Gateway,
  type ListedTool,
  type RelayMethod,
  type SearchHit,
  type ToolListing,
} from "./gateway/gateway.ts";
export type { AccessTarget, AuditRecord, GatewayHooks } from "./gateway/hooks.ts";
export type { SessionPeer } from "./gateway/session-hub.ts";
export type { ToolTarget } from "./gateway/tool-target.ts";

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /** Environment for `${VAR}`s, the config search path and `MCP_GATEWAY_*` overrides. @default process.env */
  env?: Record<string, string | undefined>;
  /** Directory the search path starts in (`./gateway.yaml`, …). @default process.cwd() */
  cwd?: string;
}

/**
 * The effective config the `mcp-gateway` command would run: the file at `path` (else the first of the search
 * path; with none, the defaults), `MCP_GATEWAY_PORT`/`MCP_GATEWAY_HOST` applied, validated, durations in ms.
 * @throws GatewayError CONFIG_NOT_FOUND (a `path` that does not exist), CONFIG_INVALID (with file:line:col)
 */
export function loadConfig(path?: string, options: LoadConfigOptions = {}): GatewayConfig {
  const env = options.env ?? process.env;
  return resolveSettings({ config: path }, { env, ...(options.cwd ? { cwd: options.cwd } : {}) }).config;
}

/**
 * A config from YAML text (as a file would hold it), validated, durations in ms.
 * @throws GatewayError CONFIG_INVALID
 */
export function parseConfig(yaml: string, options: { file?: string } = {}): GatewayConfig {
  return parseConfigText(yaml, { file: options.file ?? "<config>" }).config;
}

/** Options of {@link callContext}. */
export interface CallContextOptions {
  /** Who is calling (access hooks see it). @default the anonymous principal */
  principal?: Principal;
  /** A label for the gateway's log lines. @default "api" */
  label?: string;
  /** Progress notifications the backend sends for this call. @default none */
  onProgress?: (update: ProgressUpdate) => void;
  /** Cancels the call (the backend is sent notifications/cancelled). */
  signal?: AbortSignal;
}

/**
 * A context for calling the facade from code, as a meta session would: the surface that lists every tool
 * as `{server, tool}`. Its session answers no backend requests (sampling, elicitation are refused).
 */
export function callContext(options: CallContextOptions = {}): CallContext {
  const session: SessionPeer = {
    label: options.label ?? "api",
    backend: undefined,
    meta: true,
    logLevel: undefined,
    subscriptions: new Set(),
    notify: async () => undefined,
    request: async (method) => {
      throw new Error(`a programmatic caller answers no ${method} requests`);
    },
    clientCapabilities: () => undefined,
  };
  return {
    principal: options.principal ?? ANONYMOUS,
    session,
    surface: { kind: "meta" },
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
}
