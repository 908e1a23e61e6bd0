import { defineCommand } from "citty";
import { formatJson, formatText, passed } from "../../doctor/report.ts";
import { runDoctor } from "../../doctor/run.ts";
import { GatewayError } from "../../errors.ts";
import { configureLog } from "../../log.ts";
import { assertKnownFlags } from "../flags.ts";
import { writeOutput } from "../output.ts";
import { startProgress } from "../progress.ts";

const args = {
  config: {
    type: "string",
    alias: "c",
    description: "Config file to check (default: the usual search path)",
  },
  port: { type: "string", alias: "p", description: "Check this port instead of server.port" },
  timeout: { type: "string", description: "Seconds each backend may take to start (default: its timeout)" },
  json: { type: "boolean", description: "Machine-readable output" },
  verbose: { type: "boolean", description: "Show backend logs (stderr) while checking" },
} as const;

function seconds(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new GatewayError("USAGE", `--timeout must be seconds > 0 (got "${value}")`);
  return Math.round(n * 1000);
}

/** `mcp-gateway doctor`: check config, env, port and every backend; exit 1 on any problem. */
export const doctorCommand = defineCommand({
  meta: { name: "doctor", description: "Check the config, the port and every backend (starts each once)" },
  args,
  run: async ({ args: parsed, rawArgs }) => {
    assertKnownFlags(rawArgs, args);
    configureLog({ level: parsed.verbose ? "debug" : "error", format: "text" });
    const port = parsed.port === undefined ? undefined : Number(parsed.port);
    if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
      throw new GatewayError("USAGE", `--port must be a port number 0-65535 (got "${parsed.port}")`);
    }
    const progress = startProgress("checking the config…", { enabled: !parsed.json });
    const results = await runDoctor({
      config: parsed.config,
      port,
      timeoutMs: seconds(parsed.timeout),
      onProgress: (text) => progress.update(text),
    }).finally(() => progress.done());
    writeOutput(parsed.json ? formatJson(results) : formatText(results));
    if (!passed(results)) process.exitCode = 1;
  },
});
