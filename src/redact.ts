import { CredentialScanner } from "./firewall/credentials.ts";

/** What a secret is shown as. */
export const REDACTED = "***";

/**
 * A URL safe to show: user and password dropped, every query value replaced (the names stay, so a user can
 * still tell which parameter was set). Unparsable input is shown as REDACTED rather than risk a secret.
 */
export function redactUrl(url: string | URL): string {
  let parsed: URL;
  try {
    parsed = new URL(String(url));
  } catch {
    return REDACTED;
  }
  const user = parsed.username || parsed.password ? `${REDACTED}@` : "";
  const names = [...new Set(parsed.searchParams.keys())];
  const query =
    names.length > 0 ? `?${names.map((n) => `${encodeURIComponent(n)}=${REDACTED}`).join("&")}` : "";
  return `${parsed.protocol}//${user}${parsed.host}${parsed.pathname}${query}${parsed.hash}`;
}

/** The parts of a URL and its headers that may be secrets: user info, query values, header values. */
export function secretsOf(url: string | URL | undefined, headers: Record<string, string> = {}): string[] {
  const found: string[] = [];
  if (url !== undefined) {
    try {
      const parsed = new URL(String(url));
      found.push(decodeURIComponent(parsed.username), decodeURIComponent(parsed.password));
      for (const value of parsed.searchParams.values()) found.push(value, encodeURIComponent(value));
    } catch {
      // Not a URL: nothing to take apart.
    }
  }
  for (const value of Object.values(headers)) {
    found.push(value);
    // "Bearer xyz": the token alone may be echoed too.
    const token = value.split(/\s+/).at(-1);
    if (token) found.push(token);
  }
  // Short values ("1", "en") would blank out ordinary words; they are not credentials.
  return [...new Set(found.filter((s) => s.length >= 4))].sort((a, b) => b.length - a.length);
}

const shapes = new CredentialScanner();

/**
 * Replaces every occurrence of the given secrets in a text (for messages that may quote a URL or header),
 * then every credential of a known shape (tokens, keys, `password=` pairs) with its `[REDACTED:kind]` marker:
 * a backend's stderr and error messages pass it.
 */
export function scrubber(secrets: readonly string[]): (text: string) => string {
  return (text) => {
    let out = text;
    for (const secret of secrets) out = out.split(secret).join(REDACTED);
    return shapes.redact(out).text;
  };
}
