import { describe, expect, test } from "bun:test";
import { mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createKey, KeyStore, keysFilePath, parseKey, readKeyFile } from "../../src/auth/keys.ts";
import { addKey, listKeys, parseRate, revokeKey, rotateKey } from "../../src/auth/manage.ts";
import { isGatewayError } from "../../src/errors.ts";

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "mcp-gateway-keys-"));
}

function keysFile(): string {
  return join(tempDir(), "gateway.keys.json");
}

describe("API keys", () => {
  test("a key carries a non-secret id and 256 random bits", async () => {
    const { key, record } = await createKey("ci", { scopes: ["admin"] });
    expect(key).toMatch(/^mgw_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(parseKey(key)?.id).toBe(record.id);
    expect(record.hash.startsWith("$argon2id$")).toBe(true);
    expect(JSON.stringify(record)).not.toContain(key.slice(17));
    for (const bad of ["", "mgw_", `${key}x`, key.replace("mgw_", "sk_"), "Bearer x"]) {
      expect(parseKey(bad)).toBeUndefined();
    }
  });

  test("verifies a key with argon2 once, then from memory; a wrong secret is remembered too", async () => {
    const { key, record } = await createKey("ci", { scopes: ["everything"], rate: 2 });
    let verified = 0;
    const store = new KeyStore([record], {
      verify: (k, h) => {
        verified++;
        return Bun.password.verify(k, h);
      },
    });
    const principal = await store.authenticate(key);
    expect(principal).toEqual({ id: "key:ci", scopes: ["everything"], rate: 2 });
    expect(await store.authenticate(key)).toBe(principal as never);
    expect(verified).toBe(1);
    const wrong = `${key.slice(0, 17)}${"A".repeat(43)}`;
    expect(await store.authenticate(wrong)).toBeUndefined();
    expect(await store.authenticate(wrong)).toBeUndefined();
    expect(verified).toBe(2);
    // Unknown ids and strings that are no key never reach argon2.
    expect(await store.authenticate(`mgw_000000000000_${"A".repeat(43)}`)).toBeUndefined();
    expect(await store.authenticate("hunter2")).toBeUndefined();
    expect(verified).toBe(2);
  });

  test("keys add stores only a hash, in a file only its owner can read", async () => {
    const path = keysFile();
    const key = await addKey(path, "ci", { scopes: ["everything/echo", "memory"], rate: parseRate("600/m") });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const text = await Bun.file(path).text();
    expect(text).not.toContain(key);
    expect(text).not.toContain(key.slice(17));
    expect(listKeys(path)).toEqual([
      expect.objectContaining({
        name: "ci",
        id: parseKey(key)?.id,
        scopes: ["everything/echo", "memory"],
        rate: 10,
      }),
    ]);
    expect(JSON.stringify(listKeys(path))).not.toContain("argon2");
    const store = new KeyStore(readKeyFile(path));
    expect((await store.authenticate(key))?.id).toBe("key:ci");
  });

  test("refuses a taken name, a bad name and bad scopes", async () => {
    const path = keysFile();
    await addKey(path, "ci", { scopes: ["admin"] });
    const refused = async (name: string, scopes: string[]) => {
      try {
        await addKey(path, name, { scopes });
        return "added";
      } catch (error) {
        return isGatewayError(error, "USAGE") ? error.message : String(error);
      }
    };
    expect(await refused("ci", ["admin"])).toContain("exists");
    expect(await refused("bad name", ["admin"])).toContain("key names");
    expect(await refused("x", [])).toContain("at least one --scope");
    expect(await refused("x", ["a b"])).toContain('scope "a b"');
    expect(await refused("x", ["a/b/c"])).toContain('scope "a/b/c"');
    expect(listKeys(path).map((k) => k.name)).toEqual(["ci"]);
  });

  test("revoke removes a key; rotate replaces its secret and keeps its name and scopes", async () => {
    const path = keysFile();
    const first = await addKey(path, "a", { scopes: ["everything"] });
    const second = await addKey(path, "b", { scopes: ["memory"] });
    const rotated = await rotateKey(path, "a");
    expect(rotated).not.toBe(first);
    revokeKey(path, "b");
    const store = new KeyStore(readKeyFile(path));
    expect(await store.authenticate(first)).toBeUndefined();
    expect(await store.authenticate(second)).toBeUndefined();
    expect(await store.authenticate(rotated)).toEqual({ id: "key:a", scopes: ["everything"] });
    expect(listKeys(path)[0]?.rotated).toBeDefined();
    expect(() => revokeKey(path, "b")).toThrow('no key named "b"');
  });

  test("a keys file that is not one is an error naming the file", () => {
    const path = keysFile();
    writeFileSync(path, "{nope");
    expect(() => readKeyFile(path)).toThrow(path);
    writeFileSync(path, JSON.stringify({ version: 1, keys: [{ id: "x" }] }));
    expect(() => readKeyFile(path)).toThrow("keys.0");
    expect(readKeyFile(join(tempDir(), "missing.json"))).toEqual([]);
  });

  test("the keys file sits beside the config unless auth.keys_file names one", () => {
    expect(keysFilePath("/etc/mcp/gateway.yaml")).toBe("/etc/mcp/gateway.keys.json");
    expect(keysFilePath("/etc/mcp/gateway.yaml", "secrets/keys.json")).toBe("/etc/mcp/secrets/keys.json");
  });

  test("rates read as requests per second", () => {
    expect(parseRate("10")).toBe(10);
    expect(parseRate("10/s")).toBe(10);
    expect(parseRate("3600/h")).toBe(1);
    for (const bad of ["", "0", "-1/s", "ten", "5/d"]) expect(() => parseRate(bad)).toThrow("--rate");
  });
});
