import { defineCommand } from "citty";
import { stringify } from "yaml";
import { maskedConfig } from "../../config/mask.ts";
import { resolveSettings } from "../../config/resolve.ts";
import type { GatewayConfig } from "../../config/schema.ts";
import { assertKnownFlags } from "../flags.ts";
import { writeErrorLine, writeOutput } from "../output.ts";

const exportArgs = {
  config: { type: "string", alias: "c", description: "Config file (default: the search path)" },
  json: { type: "boolean", description: "JSON instead of YAML" },
} as const;

const exportCommand = defineCommand({
  meta: {
    name: "export",
    description:
      "Print the effective config (file + MCP_GATEWAY_* environment, defaults filled, secrets masked)",
  },
  args: exportArgs,
  run: ({ args, rawArgs }) => {
    assertKnownFlags(rawArgs, exportArgs);
    const settings = resolveSettings({ config: args.config });
    for (const warning of settings.warnings) writeErrorLine(warning);
    writeErrorLine(
      settings.configPath
        ? `config: ${settings.configPath} (durations in ms, secrets masked)`
        : `no config file found (looked in: ${settings.searched.join(", ")}); these are the defaults`,
    );
    const masked = maskedConfig(settings.config satisfies GatewayConfig);
    writeOutput(args.json ? `${JSON.stringify(masked, null, 2)}\n` : stringify(masked));
  },
});

/** `mcp-gateway config export [--json]`. */
export const configCommand = defineCommand({
  meta: { name: "config", description: "Show the effective config (export)" },
  subCommands: { export: exportCommand },
});
