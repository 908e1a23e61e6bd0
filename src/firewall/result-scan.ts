import type { CredentialFinding, CredentialScanner } from "./credentials.ts";

/** A tool result with its credentials replaced, and what was found. */
export interface RedactedResult {
  result: Record<string, unknown>;
  found: CredentialFinding[];
}

/**
 * Replaces credentials in every string a client sees of a tool result: text content, embedded resource
 * text and structured content (deep). Copy on write: an untouched result is returned as it came.
 */
export function redactResult(result: Record<string, unknown>, scanner: CredentialScanner): RedactedResult {
  const found: CredentialFinding[] = [];
  const walk = (value: unknown, depth: number): unknown => {
    if (typeof value === "string") {
      const redacted = scanner.redact(value);
      if (redacted.found.length === 0) return value;
      found.push(...redacted.found);
      return redacted.text;
    }
    // Deeper than any real result: left alone rather than risk the stack.
    if (depth > 64 || typeof value !== "object" || value === null) return value;
    if (Array.isArray(value)) {
      let copy: unknown[] | undefined;
      value.forEach((item, i) => {
        const next = walk(item, depth + 1);
        if (next !== item) {
          copy ??= [...value];
          copy[i] = next;
        }
      });
      return copy ?? value;
    }
    let copy: Record<string, unknown> | undefined;
    for (const [key, item] of Object.entries(value)) {
      // Binary payloads (images, audio, blobs) are base64, never text a credential shape applies to.
      if (key === "data" || key === "blob") continue;
      const next = walk(item, depth + 1);
      if (next !== item) {
        copy ??= { ...(value as Record<string, unknown>) };
        copy[key] = next;
      }
    }
    return copy ?? value;
  };
  const out: Record<string, unknown> = { ...result };
  let changed = false;
  for (const key of ["content", "structuredContent"] as const) {
    if (!(key in result)) continue;
    const next = walk(result[key], 0);
    if (next !== result[key]) {
      out[key] = next;
      changed = true;
    }
  }
  return { result: changed ? out : result, found };
}
