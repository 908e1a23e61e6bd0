import { describe, expect, test } from "bun:test";
import { splitCommandLine } from "../../src/backends/command-line.ts";

describe("splitCommandLine", () => {
  test("splits on whitespace", () => {
    expect(splitCommandLine("npx -y  @scope/server --flag")).toEqual([
      "npx",
      "-y",
      "@scope/server",
      "--flag",
    ]);
  });

  test("honours single and double quotes", () => {
    expect(splitCommandLine(`run "a b" 'c "d"' e"f g"h`)).toEqual(["run", "a b", 'c "d"', "ef gh"]);
  });

  test("keeps empty quoted words and escapes", () => {
    expect(splitCommandLine(`cmd "" a\\ b "q\\"x"`)).toEqual(["cmd", "", "a b", 'q"x']);
  });

  test("does not expand variables or globs", () => {
    expect(splitCommandLine("echo $HOME *.ts")).toEqual(["echo", "$HOME", "*.ts"]);
  });

  test("rejects an unterminated quote", () => {
    expect(() => splitCommandLine(`cmd "open`)).toThrow("unterminated");
  });
});
