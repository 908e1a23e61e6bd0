import { type CommandDef, defineCommand, runCommand, showUsage } from "citty";
import { errorMessage, isGatewayError } from "../errors.ts";
import { VERSION } from "../version.ts";
import { serveArgs } from "./args.ts";
import { serveCommand } from "./commands/serve.ts";
import { assertKnownFlags } from "./flags.ts";
import { writeErrorLine, writeOutput } from "./output.ts";

const main = defineCommand({
  meta: { name: "mcp-gateway", version: VERSION, description: "One port, four meta-tools, every MCP server" },
  args: serveArgs,
  subCommands: { serve: serveCommand },
  // No subcommand means serve; serveArgs on the root keep `--port 1` from reading as a subcommand name.
  default: "serve",
});

/** citty's own usage errors (unknown command and the like) carry an `E_` code. */
function isCittyUsageError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("E_");
}

/** Runs the CLI; usage and config errors exit 2, other failures 1, each as one line on stderr. */
export async function runCli(rawArgs: string[]): Promise<void> {
  if (rawArgs.includes("--help") || rawArgs.includes("-h")) {
    const sub = rawArgs[0] === "serve" ? serveCommand : main;
    await showUsage(sub as CommandDef, sub === main ? undefined : (main as CommandDef));
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
