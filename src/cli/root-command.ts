import { type CommandDef, defineCommand } from "citty";
import { VERSION } from "../version.ts";
import { serveArgs } from "./args.ts";

/** The completions command gets the root handed in, so nothing below the root imports it back. */
function completions() {
  return import("./commands/completions.ts").then((m) => m.completionsCommand(rootCommand as CommandDef));
}

/** The root command: every subcommand, loaded lazily; completion scripts are generated from this tree. */
export const rootCommand = defineCommand({
  meta: { name: "mcp-gateway", version: VERSION, description: "One port, four meta-tools, every MCP server" },
  args: serveArgs,
  subCommands: {
    // Lazy like the rest: each command loads only its own modules (a chunk of its own in the binary).
    serve: () => import("./commands/serve.ts").then((m) => m.serveCommand),
    init: () => import("./commands/init.ts").then((m) => m.initCommand),
    doctor: () => import("./commands/doctor.ts").then((m) => m.doctorCommand),
    servers: () => import("./commands/servers.ts").then((m) => m.serversCommand),
    tools: () => import("./commands/tools.ts").then((m) => m.toolsCommand),
    import: () => import("./commands/import.ts").then((m) => m.importCommand),
    setup: () => import("./commands/setup.ts").then((m) => m.setupCommand),
    completions,
    cap: () => import("./commands/cap.ts").then((m) => m.capCommand),
    keys: () => import("./commands/keys.ts").then((m) => m.keysCommand),
    audit: () => import("./commands/audit.ts").then((m) => m.auditCommand),
    stats: () => import("./commands/stats.ts").then((m) => m.statsCommand),
    config: () => import("./commands/config-export.ts").then((m) => m.configCommand),
    ui: () => import("./commands/ui.ts").then((m) => m.uiCommand),
  },
  // No subcommand means serve; serveArgs on the root keep `--port 1` from reading as a subcommand name.
  default: "serve",
});
