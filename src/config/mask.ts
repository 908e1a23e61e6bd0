import { maskCredentials } from "../arg-credentials.ts";
import { REDACTED, redactUrl } from "../redact.ts";

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

/**
 * The config with secrets masked: env and header values, secret-named keys, URL user info and queries.
 * What `config export` prints and the dashboard's Config page shows.
 */
export function maskedConfig(value: unknown, key = ""): unknown {
  if (typeof value === "string") {
    if (SECRET_KEY.test(key)) return REDACTED;
    // A backend's command line and args: `--dsn=postgres://u:p@h`, `--password X` (config export, dashboard).
    return key === "command"
      ? maskCredentials(value.split(" ")).map(maskString).join(" ")
      : maskString(value);
  }
  if (Array.isArray(value))
    return key === "args" && value.every((v) => typeof v === "string")
      ? maskCredentials(value).map(maskString)
      : value.map((v) => maskedConfig(v));
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
