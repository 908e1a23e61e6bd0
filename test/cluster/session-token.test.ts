import { describe, expect, test } from "bun:test";
import { Cluster } from "../../src/cluster/cluster.ts";
import { SessionSigner } from "../../src/cluster/session-token.ts";

const SECRET = "a-session-secret-of-at-least-32-chars!";
const INIT = {
  protocolVersion: "2025-11-25",
  capabilities: { sampling: {} },
  clientInfo: { name: "c", version: "1" },
};

describe("signed session ids", () => {
  test("carry what was negotiated, verified by any signer with the same secret", () => {
    const id = new SessionSigner(SECRET, { ttlMs: 60_000 }).sign({
      init: INIT,
      principal: "key:a",
      endpoint: "/mcp",
    });
    const claims = new SessionSigner(SECRET, { ttlMs: 60_000 }).verify(id ?? "");
    expect(claims?.init).toEqual(INIT);
    expect(claims?.principal).toBe("key:a");
    expect(claims?.endpoint).toBe("/mcp");
  });

  test("two sessions of one client get different ids", () => {
    const signer = new SessionSigner(SECRET, { ttlMs: 60_000 });
    const claims = { init: INIT, principal: "anonymous", endpoint: "/mcp" };
    expect(signer.sign(claims)).not.toBe(signer.sign(claims));
  });

  test("refuse another secret, an altered body or signature, an expired id and junk", () => {
    let now = 1_000;
    const signer = new SessionSigner(SECRET, { ttlMs: 60_000, now: () => now });
    const id = signer.sign({ init: INIT, principal: "key:a", endpoint: "/mcp" }) ?? "";
    expect(new SessionSigner(`${SECRET}x`, { ttlMs: 60_000, now: () => now }).verify(id)).toBeUndefined();
    const [prefix, body, mac] = id.split(".") as [string, string, string];
    const forged = Buffer.from(Buffer.from(body, "base64url").toString().replace("key:a", "key:b")).toString(
      "base64url",
    );
    expect(signer.verify(`${prefix}.${forged}.${mac}`)).toBeUndefined();
    expect(signer.verify(`${prefix}.${body}.${mac.slice(0, -2)}`)).toBeUndefined();
    for (const junk of ["", "s1.", "s1..", "s1.e30.", `s1.${"A".repeat(9000)}.x`, "random-id"]) {
      expect(signer.verify(junk)).toBeUndefined();
    }
    expect(signer.verify(id)).toBeDefined();
    now += 60_000;
    expect(signer.verify(id)).toBeUndefined();
  });

  test("a client declaring too much to carry gets no signed id (the session stays on its replica)", () => {
    const signer = new SessionSigner(SECRET, { ttlMs: 60_000 });
    const huge = { ...INIT, capabilities: { experimental: { blob: { text: "x".repeat(5000) } } } };
    expect(signer.sign({ init: huge, principal: "anonymous", endpoint: "/mcp" })).toBeUndefined();
  });

  test("a session secret shorter than 32 characters is refused with the fix", () => {
    expect(() =>
      Cluster.fromConfig(undefined, { log: console, env: { MCP_GATEWAY_SESSION_SECRET: "short" } }),
    ).toThrow("at least 32");
    expect(Cluster.fromConfig(undefined, { log: console, env: {} })).toBeUndefined();
  });
});
