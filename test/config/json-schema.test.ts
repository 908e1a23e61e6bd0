import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
// ajv is not ours to pin: it comes with the MCP SDK, which validates tool schemas with it.
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { parse } from "yaml";
import { CONFIG_SCHEMA_URL, configJsonSchema, configJsonSchemaText } from "../../src/config/json-schema.ts";
import { parseConfig } from "../../src/config/load.ts";
import { initConfigText } from "../../src/setup/init.ts";

const ROOT = join(import.meta.dir, "..", "..");
const committed = readFileSync(join(ROOT, "gateway.schema.json"), "utf8");

const ajv = new Ajv2020({ allErrors: true });
addFormats(ajv);
const validate = ajv.compile(JSON.parse(committed));

/** The schema's verdict on a YAML text as an editor sees it (before `${VAR}` expansion). */
function check(yaml: string): string[] {
  if (validate(parse(yaml) ?? {})) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? ""}`);
}

describe("gateway.schema.json", () => {
  test("is what scripts/config-schema.ts generates from the zod schema now (run npm run schema)", () => {
    expect(committed).toBe(configJsonSchemaText());
  });

  test("its $id is the URL init's modeline points at, ending in the committed file's name", () => {
    expect(configJsonSchema().$id).toBe(CONFIG_SCHEMA_URL);
    expect(CONFIG_SCHEMA_URL).toEndWith("/gateway.schema.json");
  });

  test("examples/gateway.yaml and both init templates validate against it", () => {
    expect(check(readFileSync(join(ROOT, "examples", "gateway.yaml"), "utf8"))).toEqual([]);
    expect(check(initConfigText({ withExamples: false }))).toEqual([]);
    expect(check(initConfigText({ withExamples: true }))).toEqual([]);
  });

  test("describes the input: durations as written, ${VAR} where a string is expanded", () => {
    const yaml = `server:
  request_timeout: 1500ms
  shutdown_timeout: 10
  session_idle_timeout: "\${IDLE:-1h}"
lifecycle: { idle_timeout: 0 }
failsafe: { retry: { initial_backoff: 100ms, max_backoff: 10s } }
backends:
  remote:
    http_url: "\${DOCS_URL}"
    transport: sse
    timeout: 2m
    failsafe: { circuit_breaker: { reset_timeout: 1d } }
`;
    expect(check(yaml)).toEqual([]);
    // The loader agrees with the schema on the same text.
    const { config } = parseConfig(yaml, { file: "g.yaml", env: { DOCS_URL: "http://127.0.0.1:1/sse" } });
    expect(config.server.request_timeout).toBe(1500);
    const schema = configJsonSchema() as { properties: { server: { properties: Record<string, unknown> } } };
    expect(schema.properties.server.properties.request_timeout).toMatchObject({ default: "30s" });
  });

  test("refuses what the loader refuses: unknown keys, bad durations, a backend with neither kind", () => {
    expect(check("server: { prot: 1 }\n").join()).toContain("must NOT have additional properties");
    expect(check("server: { request_timeout: 30 sec }\n").join()).toContain("/server/request_timeout");
    expect(check("server: { request_timeout: -1 }\n").join()).toContain("/server/request_timeout");
    expect(check("backends:\n  a: { description: x }\n").join()).toContain("/backends/a");
    expect(check("backends:\n  a: { command: x, http_url: 'http://h/mcp' }\n").join()).toContain(
      "/backends/a",
    );
    expect(check("backends:\n  a: { http_url: 'not a url' }\n").join()).toContain("/backends/a/http_url");
    expect(check("backends:\n  bad name: { command: x }\n").join()).toContain("/backends");
  });
});
