import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";

/** Where the gateway looks for its config when neither --config nor MCP_GATEWAY_CONFIG names one. */
export function defaultConfigCandidates(options: { cwd: string; home: string }): string[] {
  return [
    join(options.cwd, "gateway.yaml"),
    join(options.cwd, "servers.yaml"),
    join(options.home, ".config", "mcp-gateway", "gateway.yaml"),
    "/etc/mcp-gateway/gateway.yaml",
  ];
}

/** Result of looking for a config file: the file chosen (if any) and every place searched. */
export interface ConfigLocation {
  path: string | undefined;
  /** True when the user named the file (flag or env), so its absence is an error. */
  explicit: boolean;
  searched: string[];
}

/** Resolves the config path: --config, else MCP_GATEWAY_CONFIG, else the first default that exists. */
export function locateConfig(options: {
  flag?: string | undefined;
  env?: Record<string, string | undefined>;
  cwd?: string;
  home?: string;
  exists?: (path: string) => boolean;
}): ConfigLocation {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const exists = options.exists ?? existsSync;
  const named = options.flag ?? env.MCP_GATEWAY_CONFIG;
  if (named) return { path: resolve(cwd, named), explicit: true, searched: [resolve(cwd, named)] };
  const searched = defaultConfigCandidates({ cwd, home: options.home ?? env.HOME ?? homedir() });
  return { path: searched.find((p) => exists(p)), explicit: false, searched };
}
