import type { CommandDef } from "citty";
import { bashScript } from "./bash.ts";
import { fishScript } from "./fish.ts";
import { commandTree } from "./tree.ts";
import { zshScript } from "./zsh.ts";

/** Shells we generate completion scripts for. */
export const SHELLS = ["bash", "zsh", "fish"] as const;
export type Shell = (typeof SHELLS)[number];

/** The completion script for one shell, generated from the live citty command tree. */
export async function completionScript(shell: Shell): Promise<string> {
  // Imported here, not at the top: main.ts lazily imports the command that imports this module.
  const { main } = await import("../main.ts");
  const tree = await commandTree(main as CommandDef);
  if (shell === "bash") return bashScript(tree);
  if (shell === "zsh") return zshScript(tree);
  return fishScript(tree);
}
