import { defineCommand } from "citty";
import { writeInitConfig } from "../../setup/init.ts";
import { assertKnownFlags } from "../flags.ts";
import { writeOutput } from "../output.ts";

const args = {
  "with-examples": {
    type: "boolean",
    description: "Add working example backends (npx-launched reference servers)",
  },
  output: {
    type: "string",
    alias: "o",
    description: "Where to write (default ./gateway.yaml; - for stdout)",
  },
  force: { type: "boolean", description: "Overwrite an existing file" },
} as const;

/** `mcp-gateway init`: write a commented starter gateway.yaml. */
export const initCommand = defineCommand({
  meta: { name: "init", description: "Write a commented gateway.yaml to start from" },
  args,
  run: ({ args: parsed, rawArgs }) => {
    assertKnownFlags(rawArgs, args);
    const result = writeInitConfig({
      output: parsed.output ?? "gateway.yaml",
      withExamples: parsed["with-examples"] === true,
      force: parsed.force === true,
    });
    if (result.path === undefined) writeOutput(result.text);
    else writeOutput(`wrote ${result.path}\nnext: mcp-gateway doctor --config ${result.path}\n`);
  },
});
