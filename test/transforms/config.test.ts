import { describe, expect, test } from "bun:test";
import { parseConfig } from "../../src/config/load.ts";

function problems(transforms: string): string {
  const yaml = `backends:\n  gh:\n    command: server\n    transforms:\n${transforms}`;
  try {
    parseConfig(yaml, { file: "gateway.yaml" });
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("the config was accepted");
}

describe("transforms in the config", () => {
  test("a valid chain parses, defaults filled", () => {
    const { config } = parseConfig(
      `backends:\n  gh:\n    command: server\n    transforms:\n      - prefix: gh_\n      - result: { truncate: 100 }\n`,
      { file: "gateway.yaml" },
    );
    expect(config.backends.gh?.transforms).toEqual([
      { prefix: "gh_" },
      { result: { tools: ["*"], drop: [], truncate: 100 } },
    ]);
    expect(
      parseConfig(`backends:\n  gh:\n    command: server\n`, { file: "g.yaml" }).config.backends.gh
        ?.transforms,
    ).toEqual([]);
  });

  test("an unknown step key is named at its line and column, with did-you-mean", () => {
    const message = problems("      - prefix: gh_\n      - renam: { a: b }\n");
    expect(message).toContain('gateway.yaml:6:9: unknown key "renam" in backends.gh.transforms.1');
    expect(message).toContain('(did you mean "rename"?)');
  });

  test("two kinds in one step are refused, naming both", () => {
    expect(problems("      - prefix: gh_\n        deny: [x]\n")).toContain(
      "gateway.yaml:5:9: backends.gh.transforms.0: one step per list item: this one has prefix and deny",
    );
  });

  test("a bad JSON path is refused at its position", () => {
    expect(problems("      - result:\n          pick: items.id\n")).toMatch(
      /gateway\.yaml:6:\d+: backends\.gh\.transforms\.0\.result\.pick: invalid JSON path: a JSON path starts with "\$"/,
    );
  });

  test("bad names, globs and duplicate rename targets are refused", () => {
    expect(problems("      - prefix: 'has space'\n")).toContain("transforms.0.prefix: a prefix uses");
    expect(problems("      - deny: ['a/b']\n")).toContain("transforms.0.deny.0: a tool glob uses");
    expect(problems("      - rename: { a: c, b: c }\n")).toContain("two tools renamed to the same name");
    expect(problems("      - {}\n")).toContain("a transform step needs one of prefix");
  });
});
