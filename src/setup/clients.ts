import { homedir } from "node:os";
import { basename, join } from "node:path";

/** MCP clients whose config files we read and write. */
export const CLIENT_IDS = ["claude-desktop", "claude-code", "cursor", "vscode", "windsurf", "zed"] as const;
export type ClientId = (typeof CLIENT_IDS)[number];

/** Where a machine keeps things; injectable so tests never touch the real home directory. */
export interface PlatformContext {
  home: string;
  platform: NodeJS.Platform;
  cwd: string;
  env: Record<string, string | undefined>;
}

/** The running machine's context. */
export function currentPlatform(): PlatformContext {
  return { home: homedir(), platform: process.platform, cwd: process.cwd(), env: process.env };
}

/** One client: its config files (user-level first) and where in them the server list lives. */
export interface ClientDef {
  id: ClientId;
  label: string;
  /** Candidate config files, in the order they are read; the first is where `setup` writes by default. */
  files(ctx: PlatformContext): string[];
  /** JSON path of the server map in a given file. */
  serversKey(file: string): string[];
  /** Which transports the client can use for the gateway entry. */
  http: boolean;
}

function appData(ctx: PlatformContext): string {
  return ctx.env.APPDATA || join(ctx.home, "AppData", "Roaming");
}

function xdgConfig(ctx: PlatformContext): string {
  return ctx.env.XDG_CONFIG_HOME || join(ctx.home, ".config");
}

/** `~/Library/Application Support/<name>` on macOS, `%APPDATA%/<name>` on Windows, XDG elsewhere. */
function appSupport(ctx: PlatformContext, name: string): string {
  if (ctx.platform === "darwin") return join(ctx.home, "Library", "Application Support", name);
  if (ctx.platform === "win32") return join(appData(ctx), name);
  return join(xdgConfig(ctx), name);
}

const mcpServers = (): string[] => ["mcpServers"];

/** Every supported client. */
export const CLIENTS: Record<ClientId, ClientDef> = {
  "claude-desktop": {
    id: "claude-desktop",
    label: "Claude Desktop",
    files: (ctx) => [join(appSupport(ctx, "Claude"), "claude_desktop_config.json")],
    serversKey: mcpServers,
    http: false, // its config launches commands only
  },
  "claude-code": {
    id: "claude-code",
    label: "Claude Code",
    files: (ctx) => [join(ctx.home, ".claude.json"), join(ctx.cwd, ".mcp.json")],
    serversKey: mcpServers,
    http: true,
  },
  cursor: {
    id: "cursor",
    label: "Cursor",
    files: (ctx) => [join(ctx.home, ".cursor", "mcp.json"), join(ctx.cwd, ".cursor", "mcp.json")],
    serversKey: mcpServers,
    http: true,
  },
  vscode: {
    id: "vscode",
    label: "VS Code",
    files: (ctx) => [join(appSupport(ctx, "Code"), "User", "mcp.json"), join(ctx.cwd, ".vscode", "mcp.json")],
    // Older VS Code kept servers in settings.json under "mcp": { "servers": … }.
    serversKey: (file) => (basename(file) === "settings.json" ? ["mcp", "servers"] : ["servers"]),
    http: true,
  },
  windsurf: {
    id: "windsurf",
    label: "Windsurf",
    files: (ctx) => [join(ctx.home, ".codeium", "windsurf", "mcp_config.json")],
    serversKey: mcpServers,
    http: true,
  },
  zed: {
    id: "zed",
    label: "Zed",
    files: (ctx) =>
      ctx.platform === "win32"
        ? [join(appData(ctx), "Zed", "settings.json")]
        : [join(xdgConfig(ctx), "zed", "settings.json")],
    serversKey: () => ["context_servers"],
    http: true,
  },
};

/** Guesses the client from a config file's path (for `import --file`). */
export function clientForFile(file: string): ClientId | undefined {
  const normal = file.replace(/\\/g, "/");
  const name = basename(normal);
  if (name === "claude_desktop_config.json") return "claude-desktop";
  if (name === ".claude.json" || name === ".mcp.json") return "claude-code";
  if (normal.includes("/.cursor/")) return "cursor";
  if (name === "mcp_config.json" || normal.includes("/windsurf/")) return "windsurf";
  if (normal.includes("/zed/") || normal.includes("/Zed/")) return "zed";
  if (normal.includes("/.vscode/") || normal.includes("/Code/")) return "vscode";
  return undefined;
}
