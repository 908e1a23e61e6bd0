import { describe, expect, test } from "bun:test";
import { parseConfig } from "../../src/config/load.ts";
import { diffConfig } from "../../src/config/reload.ts";

const parse = (yaml: string) => parseConfig(yaml, { file: "t.yaml" }).config;

describe("diffConfig", () => {
  test("names added, removed and changed backends and leaves the rest alone", () => {
    const before = parse("backends:\n  a: { command: x }\n  b: { command: y }\n  c: { command: z }\n");
    const after = parse("backends:\n  a: { command: x }\n  b: { command: y2 }\n  d: { command: w }\n");
    expect(diffConfig(before, after)).toMatchObject({ added: ["d"], removed: ["c"], changed: ["b"] });
  });

  test("a disabled backend counts as removed", () => {
    const before = parse("backends:\n  a: { command: x }\n");
    const after = parse("backends:\n  a: { command: x, enabled: false }\n");
    expect(diffConfig(before, after).removed).toEqual(["a"]);
  });

  test("a changed default (request_timeout, lifecycle) restarts the backends that inherit it", () => {
    const before = parse("backends:\n  a: { command: x }\n");
    const after = parse("server: { request_timeout: 5s }\nbackends:\n  a: { command: x }\n");
    expect(diffConfig(before, after).changed).toEqual(["a"]);
    const idle = parse("lifecycle: { idle_timeout: 1m }\nbackends:\n  a: { command: x }\n");
    expect(diffConfig(before, idle).changed).toEqual(["a"]);
  });

  test("listener and mode changes are reported as needing a restart", () => {
    const before = parse("backends: {}\n");
    const after = parse("server: { port: 1234 }\nmeta_mcp: { enabled: false }\nbackends: {}\n");
    expect(diffConfig(before, after).needsRestart).toEqual(["server.port", "meta_mcp.enabled"]);
  });
});
