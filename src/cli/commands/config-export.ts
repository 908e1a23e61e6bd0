import { defineCommand } from "citty";
import { stringify } from "yaml";
import { resolveSettings } from "../../config/resolve.ts";
import type { GatewayConfig } from "../../config/schema.ts";
import { REDACTED, redactUrl } from "../../redact.ts";
import { assertKnownFlags } from "../flags.ts";
import { writeErrorLine, writeOutput } from "../output.ts";

const exportArgs = {
  config: { type: "string", alias: "c", description: "Config file (default: the search path)" },
  json: { type: "boolean", description: "JSON instead of YAML" },
} as const;

/** Keys whose every value is masked: a child's environment and an HTTP backend's headers. */
const MASKED_MAPS = new Set(["env", "headers"]);
/** Keys whose value is a secret wherever they appear (`auth.oauth.introspection.client_secret`, …). */
const SECRET_KEY = /(secret|password|passwd|api_key|apikey|token)$/i;

/** A URL with credentials or query values is shown redacted; every other string as it is. */
function maskString(value: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return value;
  try {
    const url = new URL(value);
    return url.username || url.password || url.search ? redactUrl(url) : value;
  } catch {
    return value;
  }
}

/** The config with secrets masked: env and header values, secret-named keys, URL user info and queries. */
export function maskedConfig(value: unknown, key = ""): unknown {
  if (typeof value === "string") return SECRET_KEY.test(key) ? REDACTED : maskString(value);
  if (Array.isArray(value)) return value.map((v) => maskedConfig(v));
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] =
      MASKED_MAPS.has(key) && typeof v === "string"
        ? REDACTED
        : SECRET_KEY.test(k) && v
          ? REDACTED
          : maskedConfig(v, k);
  }
  return out;
}

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
