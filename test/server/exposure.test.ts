import { describe, expect, test } from "bun:test";
import { exposureRefusal, exposureWarning, isLoopbackHost } from "../../src/server/exposure.ts";

describe("binding beyond loopback", () => {
  test("loopback names and addresses are quiet", () => {
    for (const host of ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]"]) {
      expect(isLoopbackHost(host)).toBe(true);
      expect(exposureWarning(host)).toBeUndefined();
      expect(exposureRefusal(host, { auth: false, allowUnauthenticated: false })).toBeUndefined();
    }
  });

  test("any other address without auth refuses to start, naming the fixes", () => {
    for (const host of ["0.0.0.0", "::", "192.168.1.10", "gateway.internal", "128.0.0.1"]) {
      const refusal = exposureRefusal(host, { auth: false, allowUnauthenticated: false }) ?? "";
      expect(refusal).toContain(host);
      expect(refusal).toContain("--allow-unauthenticated");
      expect(refusal).toContain("auth:");
      expect(refusal).toContain("127.0.0.1");
      expect(exposureRefusal(host, { auth: true, allowUnauthenticated: false })).toBeUndefined();
    }
  });

  test("insisting starts it with a warning that names the risk and the fix", () => {
    expect(exposureRefusal("0.0.0.0", { auth: false, allowUnauthenticated: true })).toBeUndefined();
    const warning = exposureWarning("0.0.0.0") ?? "";
    expect(warning).toContain("no authentication");
    expect(warning).toContain("127.0.0.1");
  });
});
