/**
 * Hashes, MACs and random bytes on Bun's native crypto (`Bun.CryptoHasher`, Web Crypto), not `node:crypto`:
 * loading Node's module costs every start of the gateway about 18 ms of CPU (measured with farm-bench:
 * `import "node:crypto"` against an empty module), and nothing here needs more than these four things.
 */

/** Text encodings a digest or random bytes are written in. */
export type DigestEncoding = "hex" | "base64" | "base64url";

/** SHA-256 of `data`, encoded. */
export function sha256(data: string | Uint8Array, encoding: DigestEncoding): string {
  return new Bun.CryptoHasher("sha256").update(data).digest(encoding);
}

/** HMAC-SHA-256 of the parts, in order, under `key` (the raw 32 bytes). */
export function hmacSha256(key: string | Uint8Array, ...parts: (string | Uint8Array)[]): Buffer {
  const mac = new Bun.CryptoHasher("sha256", key);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

/** `n` cryptographically random bytes. */
export function randomBytes(n: number): Buffer {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(n)));
}

/** `n` random bytes as text (a session id, a nonce). */
export function randomToken(n: number, encoding: DigestEncoding): string {
  return randomBytes(n).toString(encoding);
}

/** Equal bytes, compared in time that does not depend on where they differ; false for unequal lengths. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}
