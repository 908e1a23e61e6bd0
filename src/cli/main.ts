import "./no-color.ts";
import { type CommandDef, runCommand, showUsage } from "citty";
import { errorMessage, GatewayError, isGatewayError } from "../errors.ts";
import { didYouMean } from "../suggest.ts";
import { VERSION } from "../version.ts";
import { serveArgs } from "./args.ts";
import { assertKnownFlags } from "./flags.ts";
import { helpFooter } from "./help.ts";
import { writeErrorLine, writeOutput } from "./output.ts";
import { rootCommand } from "./root-command.ts";

/** citty's own usage errors (unknown command, missing argument) are CLIErrors with an `E…` code. */
function isCittyUsageError(err: unknown): boolean {
  const e = err as { code?: unknown; name?: unknown } | null;
  return e?.name === "CLIError" && typeof e.code === "string" && /^E[A-Z_]*$/.test(e.code);
}

async function resolveDef<T>(
  value: T | Promise<T> | (() => T | Promise<T>) | undefined,
): Promise<T | undefined> {
  return typeof value === "function" ? await (value as () => T | Promise<T>)() : await value;
}

/**
 * The deepest command named by the leading words (`tools call --help` → tools call), its parent and the
 * words' path; a word that names no command is a usage error with a did-you-mean.
 * @throws GatewayError USAGE
 */
async function commandAt(rawArgs: string[]): Promise<[CommandDef, CommandDef | undefined, string[]]> {
  let command = rootCommand as CommandDef;
  let parent: CommandDef | undefined;
  const path: string[] = [];
  for (const word of rawArgs) {
    if (word.startsWith("-")) break;
    const subs = (await resolveDef(command.subCommands)) ?? {};
    if (Object.keys(subs).length === 0) break; // positionals of a leaf command
    const next = await resolveDef(subs[word]);
    if (!next) {
      const names = Object.keys(subs);
      const where = path.length > 0 ? `${path.join(" ")} ` : "";
      throw new GatewayError(
        "USAGE",
        `unknown command "${where}${word}"${didYouMean(word, names)} (commands: ${names.join(", ")}; see: mcp-gateway ${where}--help)`,
      );
    }
    parent = command;
    command = next;
    path.push(word);
  }
  return [command, parent, path];
}

async function showHelp(words: string[]): Promise<void> {
  const [sub, parent, path] = await commandAt(words);
  await showUsage(sub, parent);
  const footer = helpFooter(path);
  if (footer) writeOutput(`${footer}`);
}

/** `| head` closing stdout early is the reader's choice, not an error: end quietly. */
function quietOnClosedStdout(): void {
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw err;
  });
}

/** Runs the CLI; usage and config errors exit 2, other failures 1, each as one line on stderr. */
export async function runCli(rawArgs: string[]): Promise<void> {
  quietOnClosedStdout();
  try {
    // `help [command…]` is `[command…] --help`.
    if (rawArgs[0] === "help") return await showHelp(rawArgs.slice(1));
    if (rawArgs.includes("--help") || rawArgs.includes("-h")) return await showHelp(rawArgs);
    if (rawArgs.length === 1 && (rawArgs[0] === "--version" || rawArgs[0] === "-v")) {
      writeOutput(`${VERSION}\n`);
      return;
    }
    // Bare flags mean `serve`: check them first, or citty reads the value of a misspelled flag as a command.
    if (rawArgs[0]?.startsWith("-")) assertKnownFlags(rawArgs, serveArgs);
    else await commandAt(rawArgs); // a misspelled command gets a did-you-mean, not citty's bare refusal
    await runCommand(rootCommand, { rawArgs });
  } catch (err) {
    writeErrorLine(`mcp-gateway: ${errorMessage(err)}`);
    const usage =
      isGatewayError(err, "USAGE", "CONFIG_INVALID", "CONFIG_NOT_FOUND") || isCittyUsageError(err);
    process.exit(usage ? 2 : 1);
  }
}
