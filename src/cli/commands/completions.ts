import { type CommandDef, defineCommand } from "citty";
import { GatewayError } from "../../errors.ts";
import { didYouMean } from "../../suggest.ts";
import { completionNames } from "../completion/names.ts";
import { renderCompletion, SHELLS, type Shell } from "../completion/render.ts";
import { assertKnownFlags } from "../flags.ts";
import { writeOutput } from "../output.ts";

const args = {
  shell: {
    type: "positional",
    description: "bash, zsh or fish",
    valueHint: "bash|zsh|fish",
    required: false,
  },
  servers: { type: "boolean", description: "Print the config's server names (used by the scripts)" },
  tools: { type: "string", description: "Print SERVER's tool names from its manifest (used by the scripts)" },
  config: { type: "string", alias: "c", description: "Config file for --servers / --tools" },
} as const;

/** `mcp-gateway completions SHELL`: print a completion script generated from the tree under `root`. */
export function completionsCommand(root: CommandDef): CommandDef<typeof args> {
  return defineCommand({
    meta: { name: "completions", description: "Print a shell completion script (bash, zsh or fish)" },
    args,
    run: async ({ args: parsed, rawArgs }) => {
      assertKnownFlags(rawArgs, args);
      // The scripts call back for names they cannot know ahead: `tools call <TAB>`.
      if (parsed.servers || parsed.tools !== undefined) {
        const names = completionNames({ config: parsed.config, server: parsed.tools });
        writeOutput(names.length > 0 ? `${names.join("\n")}\n` : "");
        return;
      }
      const shell = parsed.shell;
      if (shell === undefined) throw new GatewayError("USAGE", `name a shell: ${SHELLS.join(", ")}`);
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
