import { describe, expect, test } from "bun:test";
import { parseConfig } from "../../src/config/load.ts";

function problems(yaml: string): string {
  try {
    parseConfig(yaml, { file: "g.yaml", env: {} });
  } catch (error) {
    return String((error as Error).message);
  }
  throw new Error("the config was accepted");
}

describe("webhooks config", () => {
  test("defaults fill in; a duration tolerance becomes ms", () => {
    const { config } = parseConfig(
      "webhooks:\n  pay:\n    provider: stripe\n    secret: whsec_0123456789abcdef\n    tolerance: 2m\n",
      { file: "g.yaml", env: {} },
    );
    expect(config.webhooks.pay).toEqual({
      provider: "stripe",
      secret: "whsec_0123456789abcdef",
      description: "",
      tolerance: 120_000,
      keep: 50,
      max_body_size: 1024 * 1024,
    });
  });

  test("a short secret, an unknown provider, a misspelled key and a bad whsec_ are refused with file:line:col", () => {
    expect(problems("webhooks:\n  a:\n    provider: github\n    secret: short\n")).toMatch(
      /g\.yaml:4:\d+.*at least 16 characters/,
    );
    expect(problems("webhooks:\n  a:\n    provider: gitlab\n    secret: 0123456789abcdef\n")).toMatch(
      /g\.yaml:3:\d+/,
    );
    expect(
      problems("webhooks:\n  a:\n    provider: github\n    secret: 0123456789abcdef\n    keeep: 3\n"),
    ).toMatch(/keeep.*keep/);
    expect(problems("webhooks:\n  a:\n    provider: generic\n    secret: whsec_not*base64*at-all\n")).toMatch(
      /whsec_ must be followed by base64/,
    );
  });

  test("an unset secret variable is an error naming it", () => {
    expect(problems("webhooks:\n  a:\n    provider: github\n    secret: ${NO_SUCH_SECRET_VAR}\n")).toContain(
      "NO_SUCH_SECRET_VAR",
    );
  });
});
