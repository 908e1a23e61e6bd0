import { type CommandDef, defineCommand, runCommand, showUsage } from "citty";
import { errorMessage, isGatewayError } from "../errors.ts";
import { VERSION } from "../version.ts";
import { serveArgs } from "./args.ts";
import { assertKnownFlags } from "./flags.ts";
import { writeErrorLine, writeOutput } from "./output.ts";

/** The root command (exported for completion scripts, which are generated from this tree). */
export const main = defineCommand({
  meta: { name: "mcp-gateway", version: VERSION, description: "One port, four meta-tools, every MCP server" },
  args: serveArgs,
  subCommands: {
    // Lazy like the rest: serve's own modules load after main.ts has bound the port (src/server/early-listen.ts).
    serve: () => import("./commands/serve.ts").then((m) => m.serveCommand),
    init: () => import("./commands/init.ts").then((m) => m.initCommand),
    doctor: () => import("./commands/doctor.ts").then((m) => m.doctorCommand),
    servers: () => import("./commands/servers.ts").then((m) => m.serversCommand),
    tools: () => import("./commands/tools.ts").then((m) => m.toolsCommand),
    import: () => import("./commands/import.ts").then((m) => m.importCommand),
    setup: () => import("./commands/setup.ts").then((m) => m.setupCommand),
    completions: () => import("./commands/completions.ts").then((m) => m.completionsCommand),
    cap: () => import("./commands/cap.ts").then((m) => m.capCommand),
  },
  // No subcommand means serve; serveArgs on the root keep `--port 1` from reading as a subcommand name.
  default: "serve",
});

/** citty's own usage errors (unknown command and the like) carry an `E_` code. */
function isCittyUsageError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("E_");
}

async function resolveDef<T>(
  value: T | Promise<T> | (() => T | Promise<T>) | undefined,
): Promise<T | undefined> {
  return typeof value === "function" ? await (value as () => T | Promise<T>)() : await value;
}

/** The deepest command named by the leading words (`tools call --help` → tools call), and its parent. */
async function helpTarget(rawArgs: string[]): Promise<[CommandDef, CommandDef | undefined]> {
  let command = main as CommandDef;
  let parent: CommandDef | undefined;
  for (const word of rawArgs) {
    if (word.startsWith("-")) break;
    const subs = (await resolveDef(command.subCommands)) ?? {};
    const next = await resolveDef(subs[word]);
    if (!next) break;
    parent = command;
    command = next;
  }
  return [command, parent];
}

/** Runs the CLI; usage and config errors exit 2, other failures 1, each as one line on stderr. */
export async function runCli(rawArgs: string[]): Promise<void> {
  if (rawArgs.includes("--help") || rawArgs.includes("-h")) {
    const [sub, parent] = await helpTarget(rawArgs);
    await showUsage(sub, parent);
    return;
  }
  if (rawArgs.length === 1 && (rawArgs[0] === "--version" || rawArgs[0] === "-v")) {
    writeOutput(`${VERSION}\n`);
    return;
  }
  try {
    // Bare flags mean `serve`: check them first, or citty reads the value of a misspelled flag as a command.
    if (rawArgs[0]?.startsWith("-")) assertKnownFlags(rawArgs, serveArgs);
    await runCommand(main, { rawArgs });
  } catch (err) {
    writeErrorLine(`mcp-gateway: ${errorMessage(err)}`);
    const usage =
      isGatewayError(err, "USAGE", "CONFIG_INVALID", "CONFIG_NOT_FOUND") || isCittyUsageError(err);
    process.exit(usage ? 2 : 1);
  }
}
