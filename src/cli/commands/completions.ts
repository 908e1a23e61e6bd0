import { type CommandDef, defineCommand } from "citty";
import { GatewayError } from "../../errors.ts";
import { didYouMean } from "../../suggest.ts";
import { renderCompletion, SHELLS, type Shell } from "../completion/render.ts";
import { assertKnownFlags } from "../flags.ts";
import { writeOutput } from "../output.ts";

const args = {
  shell: { type: "positional", description: "bash, zsh or fish", valueHint: "bash|zsh|fish", required: true },
} as const;

/** `mcp-gateway completions SHELL`: print a completion script generated from the tree under `root`. */
export function completionsCommand(root: CommandDef): CommandDef<typeof args> {
  return defineCommand({
    meta: { name: "completions", description: "Print a shell completion script (bash, zsh or fish)" },
    args,
    run: async ({ args: parsed, rawArgs }) => {
      assertKnownFlags(rawArgs, args);
      const shell = parsed.shell;
      if (!(SHELLS as readonly string[]).includes(shell)) {
        throw new GatewayError(
          "USAGE",
          `unknown shell "${shell}"${didYouMean(shell, SHELLS)} (supported: ${SHELLS.join(", ")})`,
        );
      }
      writeOutput(await renderCompletion(shell as Shell, root));
    },
  });
}
