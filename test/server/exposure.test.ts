import { describe, expect, test } from "bun:test";
import { exposureWarning, isLoopbackHost } from "../../src/server/exposure.ts";

describe("binding beyond loopback", () => {
  test("loopback names and addresses are quiet", () => {
    for (const host of ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]"]) {
      expect(isLoopbackHost(host)).toBe(true);
      expect(exposureWarning(host)).toBeUndefined();
    }
  });

  test("any other address gets a warning that names the risk and the fix", () => {
    for (const host of ["0.0.0.0", "::", "192.168.1.10", "gateway.internal", "128.0.0.1"]) {
      const warning = exposureWarning(host) ?? "";
      expect(warning).toContain(host);
      expect(warning).toContain("no authentication");
      expect(warning).toContain("127.0.0.1");
    }
  });
});
