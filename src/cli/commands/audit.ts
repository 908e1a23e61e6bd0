import { dirname } from "node:path";
import { defineCommand } from "citty";
import { auditLogPath } from "../../auth/audit-log.ts";
import { followLines, lastLines } from "../../auth/audit-tail.ts";
import { loadConfigFile } from "../../config/load.ts";
import { locateConfig } from "../../config/paths.ts";
import { GatewayError } from "../../errors.ts";
import { assertKnownFlags } from "../flags.ts";
import { writeErrorLine, writeOutput } from "../output.ts";

const tailArgs = {
  config: { type: "string", alias: "c", description: "Config file whose auth.audit log to read" },
  lines: { type: "string", alias: "n", description: "How many of the last lines to print (default 20)" },
  follow: { type: "boolean", alias: "f", description: "Keep printing lines as calls are made (Ctrl-C ends)" },
} as const;

/** The audit log of the config the flags (or the search path) name. */
function auditPath(config: string | undefined): string {
  const location = locateConfig({ flag: config });
  if (!location.path) {
    throw new GatewayError(
      "CONFIG_NOT_FOUND",
      `no config file found (looked in: ${location.searched.join(", ")}); pass --config`,
    );
  }
  const audit = loadConfigFile(location.path).config.auth?.audit;
  if (!audit) {
    throw new GatewayError(
      "CONFIG_INVALID",
      `${location.path} keeps no audit log: add auth: { audit: {} } (see docs/security.md)`,
    );
  }
  return auditLogPath(dirname(location.path), audit.file);
}

const tail = defineCommand({
  meta: { name: "tail", description: "Print the last calls of the audit log (one JSON line each)" },
  args: tailArgs,
  run: async ({ args, rawArgs }) => {
    assertKnownFlags(rawArgs, tailArgs);
    const n = args.lines === undefined ? 20 : Number(args.lines);
    if (!Number.isInteger(n) || n < 0) {
      throw new GatewayError("USAGE", `-n wants a whole number of lines, not "${args.lines}"`);
    }
    const path = auditPath(args.config);
    for (const line of lastLines(path, n)) writeOutput(`${line}\n`);
    if (!args.follow) return;
    writeErrorLine(`following ${path} (Ctrl-C ends)`);
    const stop = new AbortController();
    process.once("SIGINT", () => stop.abort());
    await followLines(path, (line) => writeOutput(`${line}\n`), { signal: stop.signal });
  },
});

/** `mcp-gateway audit tail [-n N] [--follow]`: the calls the gateway recorded. */
export const auditCommand = defineCommand({
  meta: { name: "audit", description: "Read the audit log (tail)" },
  subCommands: { tail },
});
