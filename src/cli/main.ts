import { type CommandDef, runCommand, showUsage } from "citty";
import { errorMessage, isGatewayError } from "../errors.ts";
import { VERSION } from "../version.ts";
import { serveArgs } from "./args.ts";
import { assertKnownFlags } from "./flags.ts";
import { writeErrorLine, writeOutput } from "./output.ts";
import { rootCommand } from "./root-command.ts";

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
  let command = rootCommand as CommandDef;
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
    await runCommand(rootCommand, { rawArgs });
  } catch (err) {
    writeErrorLine(`mcp-gateway: ${errorMessage(err)}`);
    const usage =
      isGatewayError(err, "USAGE", "CONFIG_INVALID", "CONFIG_NOT_FOUND") || isCittyUsageError(err);
    process.exit(usage ? 2 : 1);
  }
}
