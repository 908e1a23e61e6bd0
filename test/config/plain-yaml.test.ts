import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { parseConfig } from "../../src/config/load.ts";
import { plainYamlValue } from "../../src/config/plain-yaml.ts";

const ROOT = join(import.meta.dir, "../..");
const tracked = Bun.spawnSync(["git", "ls-files", "*.yaml", "*.yml"], { cwd: ROOT }).stdout.toString();
// Helm templates are Go templates, not YAML.
const files = tracked.split("\n").filter((f) => f && !f.includes("/templates/"));

const CASES = [
  "server:\n  port: 8080\nbackends:\n  a:\n    command: npx x\n    args: [--flag, 'two words']\n",
  "backends:\n  a:\n    env:\n      TOKEN: ${TOKEN}\n      URL: http://127.0.0.1:9/p?q=1\n",
  "list:\n  - name: x\n    n: 1\n  - name: y\n    on: yes\n",
  "quoted: \"a: b\"\nother: 'it''s'\n",
  "n: 0x1F\no: 0o17\nf: 1e3\nz: ~\nb: TRUE\ns: 12_000\n",
  "",
  "# only a comment\n",
];

describe("plain YAML by Bun's parser", () => {
  test("wherever it is used, it reads what the yaml library reads (every YAML file in the repo)", () => {
    let fast = 0;
    expect(files.length).toBeGreaterThan(100);
    for (const file of files) {
      const text = readFileSync(join(ROOT, file), "utf8");
      const plain = plainYamlValue(text);
      if (!plain) continue;
      fast++;
      expect({ file, value: plain.value ?? null }).toEqual({ file, value: parse(text) ?? null });
    }
    expect(fast).toBeGreaterThan(10);
  });

  test("the crafted cases read alike, and the example config takes the fast way", () => {
    for (const text of CASES) {
      const plain = plainYamlValue(text);
      expect(plain).toBeDefined();
      expect(plain?.value ?? null).toEqual(parse(text) ?? null);
    }
    expect(plainYamlValue(readFileSync(join(ROOT, "examples/gateway.yaml"), "utf8"))).toBeDefined();
  });

  test("a key written twice goes to the full parser, which names its line", () => {
    const twice = "backends:\n  a:\n    command: one\n  a:\n    command: two\n";
    expect(Bun.YAML.parse(twice)).toEqual({ backends: { a: { command: "two" } } });
    expect(plainYamlValue(twice)).toBeUndefined();
    expect(() => parseConfig(twice, { file: "gw.yaml" })).toThrow(/gw\.yaml:4:3: Map keys must be unique/);
    const sections =
      "backends:\n  a:\n    command: one\nserver:\n  port: 1\nbackends:\n  b:\n    command: two\n";
    expect(plainYamlValue(sections)).toBeUndefined();
    expect(() => parseConfig(sections, { file: "gw.yaml" })).toThrow(/gw\.yaml:6:1/);
  });

  test("anchors, merge keys, tags, block scalars and documents are left to the full parser", () => {
    for (const text of [
      "a: &x 1\nb: *x\n",
      "base: &b {x: 1}\nc:\n  <<: *b\n",
      "a: !!str 12\n",
      "a: |\n  x: y\n",
      "a: >\n  folded\n",
      "---\na: 1\n",
      "a: {b: 1}\n",
      "? complex\n: value\n",
    ]) {
      expect({ text, plain: plainYamlValue(text) }).toEqual({ text, plain: undefined });
    }
  });

  test("what Bun cannot parse is reported by the full parser, at its line", () => {
    expect(plainYamlValue("a: [1, 2\n")).toBeUndefined();
    expect(() => parseConfig("server:\n  port: [1, 2\n", { file: "gw.yaml" })).toThrow(
      /invalid YAML\n {2}gw\.yaml:\d+:\d+/,
    );
  });
});
