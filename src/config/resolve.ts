import { GatewayError } from "../errors.ts";
import type { LogFormat, LogLevelName } from "../log.ts";
import { defaultConfig, loadConfigFile } from "./load.ts";
import { locateConfig } from "./paths.ts";
import type { GatewayConfig } from "./schema.ts";

/** What the command line says; every field optional (undefined = not given). */
export interface ServeFlags {
  config?: string | undefined;
  port?: string | undefined;
  host?: string | undefined;
  logLevel?: string | undefined;
  logFormat?: string | undefined;
  /** false when --no-meta-mcp was given. */
  metaMcp?: boolean | undefined;
}

/** Final settings after file, environment and flags (in rising precedence). */
export interface ResolvedSettings {
  config: GatewayConfig;
  configPath: string | undefined;
  /** Places searched when no config file was found. */
  searched: string[];
  warnings: string[];
  logLevel: LogLevelName;
  logFormat: LogFormat;
}

const LEVELS = ["debug", "info", "warn", "error"] as const;
const FORMATS = ["text", "json"] as const;

function pick<T extends string>(
  what: string,
  value: string | undefined,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined || value === "") return fallback;
  const lower = value.toLowerCase() === "warning" ? "warn" : value.toLowerCase();
  if ((allowed as readonly string[]).includes(lower)) return lower as T;
  throw new GatewayError("USAGE", `${what} must be one of ${allowed.join(", ")} (got "${value}")`);
}

function parsePort(source: string, value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value.trim()) || port > 65535) {
    throw new GatewayError("USAGE", `${source} must be a port number 0-65535 (got "${value}")`);
  }
  return port;
}

/**
 * Loads the config and applies overrides: file < MCP_GATEWAY_* environment < command-line flags.
 * @throws GatewayError CONFIG_NOT_FOUND, CONFIG_INVALID or USAGE
 */
export function resolveSettings(
  flags: ServeFlags,
  options: { env?: Record<string, string | undefined>; cwd?: string } = {},
): ResolvedSettings {
  const env = options.env ?? process.env;
  const location = locateConfig({ flag: flags.config, env, ...(options.cwd ? { cwd: options.cwd } : {}) });
  const loaded = location.path
    ? loadConfigFile(location.path, env)
    : { config: defaultConfig(), path: undefined, warnings: [] };
  const config = loaded.config;
  if (env.MCP_GATEWAY_PORT) config.server.port = parsePort("MCP_GATEWAY_PORT", env.MCP_GATEWAY_PORT);
  if (env.MCP_GATEWAY_HOST) config.server.host = env.MCP_GATEWAY_HOST;
  if (flags.port !== undefined) config.server.port = parsePort("--port", flags.port);
  if (flags.host !== undefined) config.server.host = flags.host;
  if (flags.metaMcp === false) config.meta_mcp.enabled = false;
  return {
    config,
    configPath: loaded.path,
    searched: location.path ? [] : location.searched,
    warnings: loaded.warnings,
    logLevel: pick("--log-level", flags.logLevel ?? env.MCP_GATEWAY_LOG_LEVEL, LEVELS, "info"),
    logFormat: pick("--log-format", flags.logFormat ?? env.MCP_GATEWAY_LOG_FORMAT, FORMATS, "text"),
  };
}
