import type { CommandDef } from "citty";
import { rootCommand } from "../root-command.ts";
import { renderCompletion, type Shell } from "./render.ts";

/**
 * The completion script for one shell, for the whole mcp-gateway command tree (release archives use this).
 * The `completions` command renders from the root it is handed instead, so it never imports this module.
 */
export function completionScript(shell: Shell): Promise<string> {
  return renderCompletion(shell, rootCommand as CommandDef);
}
