import { describe, expect, test } from "bun:test";
import { createHash, createHmac } from "node:crypto";
import { hmacSha256, randomBytes, randomToken, sameBytes, sha256 } from "../src/digest.ts";

// node:crypto is the reference here only: the gateway itself no longer loads it.
describe("digest on Bun's native crypto", () => {
  test("sha256 matches node:crypto in every encoding, for text and bytes", () => {
    for (const input of ["", "abc", "ünïcødé ✓", new Uint8Array([0, 255, 7])]) {
      for (const encoding of ["hex", "base64", "base64url"] as const) {
        expect(sha256(input, encoding)).toBe(createHash("sha256").update(input).digest(encoding));
      }
    }
  });

  test("hmacSha256 over several parts equals one MAC of their concatenation", () => {
    const expected = createHmac("sha256", "secret").update("a.").update("body").digest();
    expect(hmacSha256("secret", "a.", "body").equals(expected)).toBe(true);
    expect(
      hmacSha256(new Uint8Array([1, 2, 3]), "x").equals(
        createHmac("sha256", Buffer.from([1, 2, 3]))
          .update("x")
          .digest(),
      ),
    ).toBe(true);
    expect(hmacSha256("other", "a.", "body").equals(expected)).toBe(false);
  });

  test("random bytes: the asked length, and not the same twice", () => {
    expect(randomBytes(32).length).toBe(32);
    expect(randomToken(12, "hex")).toMatch(/^[0-9a-f]{24}$/);
    expect(randomToken(24, "base64url")).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(randomToken(16, "hex")).not.toBe(randomToken(16, "hex"));
  });

  test("sameBytes: equal, different, and different lengths (false, not a throw)", () => {
    expect(sameBytes(Buffer.from("abc"), Buffer.from("abc"))).toBe(true);
    expect(sameBytes(Buffer.from("abc"), Buffer.from("abd"))).toBe(false);
    expect(sameBytes(Buffer.from("abc"), Buffer.from("abcd"))).toBe(false);
  });
});
