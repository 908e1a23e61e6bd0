/**
 * Integrity pins: a capability file may start with `sha256: <hex>`, the SHA-256 of the file with CRLF
 * read as LF and every column-0 `sha256:` line left out. The same digest comes from a shell with
 * `sed 's/\r$//' FILE | grep -v '^sha256:' | sha256sum`, and matches the Rust edition's pins.
 */

/** The file content the pin covers: CRLF as LF, top-level `sha256:` lines removed. */
export function pinnedContent(text: string): string {
  const lines = text.replaceAll("\r\n", "\n").split(/(?<=\n)/);
  let out = "";
  for (const line of lines) {
    if (!line.startsWith("sha256:")) {
      out += line;
      continue;
    }
    // A lone CR ends a YAML line too: whatever follows it on the pin line is content, not pin.
    const cr = line.indexOf("\r");
    if (cr >= 0) out += line.slice(cr + 1);
  }
  return out;
}

/** Lowercase hex SHA-256 of the pinned content of a capability file. */
export function capabilityHash(text: string): string {
  return new Bun.CryptoHasher("sha256").update(pinnedContent(text)).digest("hex");
}

/** The file rewritten to start with a fresh `sha256:` pin line (an existing pin is replaced). */
export function withPin(text: string): string {
  const hash = capabilityHash(text);
  return `sha256: ${hash}\n${pinnedContent(text)}`;
}

/** What a file's pin says about its content. */
export type PinState =
  | { state: "unpinned" }
  | { state: "verified"; hash: string }
  | { state: "mismatch"; expected: string; actual: string };

/** Checks a file's `sha256:` pin (if any) against its content. */
export function checkPin(text: string, pinned: string | undefined): PinState {
  if (pinned === undefined) return { state: "unpinned" };
  const expected = pinned.replace(/^sha256:/, "");
  const actual = capabilityHash(text);
  return expected === actual ? { state: "verified", hash: actual } : { state: "mismatch", expected, actual };
}
