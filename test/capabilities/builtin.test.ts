import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { BUILTIN_CAPABILITIES } from "../../src/capabilities/builtin.generated.ts";
import {
  BUILTIN_DIR,
  BUILTIN_MODULE,
  builtinCategories,
  renderBuiltinModule,
} from "../../src/capabilities/builtin-generate.ts";
import { loadCapabilitySet } from "../../src/capabilities/capability-set.ts";
import { executeCapability } from "../../src/capabilities/execute.ts";
import cases from "./builtin-cases.json" with { type: "json" };
import { type StandIn, startStandIn } from "./stand-in.ts";

interface Case {
  name: string;
  args: Record<string, unknown>;
  request: string;
  body?: unknown;
  headers?: Record<string, string | null>;
  env?: Record<string, string>;
}

const set = loadCapabilitySet([BUILTIN_CAPABILITIES]);
let api: StandIn;
beforeAll(() => {
  api = startStandIn();
});
afterAll(() => api.stop());

describe("built-in capabilities", () => {
  test("every shipped file passes validation", () => {
    expect(set.problems).toEqual([]);
    expect(set.warnings).toEqual([]);
  });

  test("at least 70 ship, in category folders", () => {
    expect(set.capabilities.size).toBeGreaterThanOrEqual(70);
    expect(builtinCategories().length).toBeGreaterThanOrEqual(6);
    for (const capability of set.capabilities.values()) {
      const category = capability.source.replace(/^builtin:/, "").split("/")[0];
      expect(capability.definition.metadata.category).toBe(category ?? "");
    }
  });

  test("the embedded module lists exactly the files in capabilities/", () => {
    expect(readFileSync(BUILTIN_MODULE, "utf8")).toBe(renderBuiltinModule(BUILTIN_DIR));
  });

  test("every capability has at least one request case below", () => {
    const covered = new Set((cases as Case[]).map((c) => c.name));
    expect([...set.capabilities.keys()].filter((name) => !covered.has(name))).toEqual([]);
  });

  test("keyed capabilities name their variable; key-less ones are the large majority", () => {
    const keyed = [...set.capabilities.values()].filter((c) => c.definition.auth.type !== "none");
    for (const c of keyed) expect(c.definition.auth.key).toMatch(/^env:[A-Z_]+$/);
    expect(keyed.length).toBeLessThan(set.capabilities.size / 5);
  });
});

describe("built-in request building (against a local stand-in)", () => {
  for (const c of cases as Case[]) {
    test(`${c.name} ${JSON.stringify(c.args)} → ${c.request}`, async () => {
      const capability = set.capabilities.get(c.name);
      expect(capability).toBeDefined();
      if (!capability) return;
      const before = api.received.length;
      const result = await executeCapability(capability, c.args, { env: c.env ?? {}, fetch: api.fetch });
      expect(result.isError).toBeFalsy();
      expect(api.received.length).toBe(before + 1);
      const got = api.received[before];
      if (!got) return;
      expect(`${got.method} ${got.origin}${got.target}`).toBe(c.request);
      if (c.body !== undefined) expect(JSON.parse(got.body)).toEqual(c.body);
      for (const [name, value] of Object.entries(c.headers ?? {})) {
        if (value === null) expect(got.headers[name]).toBeUndefined();
        else expect(got.headers[name]).toBe(value);
      }
      expect(got.headers["user-agent"]).toStartWith("mcp-gateway/");
    });
  }
});
