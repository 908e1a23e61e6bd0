import type { CommandDef } from "citty";
import { bashScript } from "./bash.ts";
import { fishScript } from "./fish.ts";
import { commandTree } from "./tree.ts";
import { zshScript } from "./zsh.ts";

/** Shells we generate completion scripts for. */
export const SHELLS = ["bash", "zsh", "fish"] as const;
export type Shell = (typeof SHELLS)[number];

/** The completion script for one shell, generated from the citty command tree under `root`. */
export async function renderCompletion(shell: Shell, root: CommandDef): Promise<string> {
  const tree = await commandTree(root);
  if (shell === "bash") return bashScript(tree);
  if (shell === "zsh") return zshScript(tree);
  return fishScript(tree);
}
