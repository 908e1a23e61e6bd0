import { homedir } from "node:os";
import { isAbsolute, join } from "node:path";

/** Where the environment points; injectable so tests never touch the real home directory. */
export interface DirContext {
  env?: Record<string, string | undefined>;
  home?: string;
  platform?: NodeJS.Platform;
}

/** An XDG base directory from the environment; the spec says a relative one is invalid and ignored. */
function xdg(value: string | undefined): string | undefined {
  return value && isAbsolute(value) ? value : undefined;
}

function base(ctx: DirContext): {
  env: Record<string, string | undefined>;
  home: string;
  platform: NodeJS.Platform;
} {
  return {
    env: ctx.env ?? process.env,
    home: ctx.home ?? homedir(),
    platform: ctx.platform ?? process.platform,
  };
}

/** The gateway's cache folder: MCP_GATEWAY_CACHE_DIR, else the platform's user cache dir + `mcp-gateway`. */
export function cacheDir(ctx: DirContext = {}): string {
  const { env, home, platform } = base(ctx);
  if (env.MCP_GATEWAY_CACHE_DIR) return env.MCP_GATEWAY_CACHE_DIR;
  if (platform === "darwin") return join(home, "Library", "Caches", "mcp-gateway");
  if (platform === "win32")
    return join(env.LOCALAPPDATA ?? join(home, "AppData", "Local"), "mcp-gateway", "cache");
  return join(xdg(env.XDG_CACHE_HOME) ?? join(home, ".cache"), "mcp-gateway");
}

/** The gateway's data folder: MCP_GATEWAY_DATA_DIR, else the platform's user data dir + `mcp-gateway`. */
export function dataDir(ctx: DirContext = {}): string {
  const { env, home, platform } = base(ctx);
  if (env.MCP_GATEWAY_DATA_DIR) return env.MCP_GATEWAY_DATA_DIR;
  if (platform === "darwin") return join(home, "Library", "Application Support", "mcp-gateway");
  if (platform === "win32") return join(env.LOCALAPPDATA ?? join(home, "AppData", "Local"), "mcp-gateway");
  return join(xdg(env.XDG_DATA_HOME) ?? join(home, ".local", "share"), "mcp-gateway");
}
