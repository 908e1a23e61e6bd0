import { describe, expect, test } from "bun:test";
import { sparkline } from "../../src/cli/commands/stats.ts";

const day = (calls: number) => ({ date: "2026-01-01", calls, errors: 0 });

describe("stats trend sparkline", () => {
  test("scales to the busiest day; quiet days are dots", () => {
    expect(sparkline([0, 1, 4, 8].map(day))).toBe("·▁▄█");
  });

  test("a tiny day beside a huge one still shows the lowest bar", () => {
    expect(sparkline([1, 1e12].map(day))).toBe("▁█");
  });

  test("no calls at all is all dots", () => {
    expect(sparkline([0, 0].map(day))).toBe("··");
  });
});
