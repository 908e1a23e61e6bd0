import { describe, expect, test } from "bun:test";
import { join } from "node:path";

const LOG = join(import.meta.dir, "../../src/log.ts");
const BUN = process.execPath;

/** A process that logs three lines in one format; stdout and stderr as it wrote them. */
function script(format: "text" | "json"): string {
  return [
    `import { configureLog, log } from ${JSON.stringify(LOG)};`,
    `configureLog({ level: "info", format: ${JSON.stringify(format)} });`,
    `log.info("hello info");`,
    `log.withTag("x").warn("tagged warn", { a: 1 });`,
    `log.error(new Error("boom ghp_abcdefghijklmnopqrstuvwxyz0123456789"));`,
  ].join("\n");
}

async function run(argv: string[]): Promise<{ stdout: string; stderr: string }> {
  const proc = Bun.spawn(argv, { stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  expect(await proc.exited).toBe(0);
  return { stdout, stderr };
}

describe("log lines", () => {
  test("JSON lines carry an error's message and stack, redacted, and nothing goes to stdout", async () => {
    const { stdout, stderr } = await run([BUN, "-e", script("json")]);
    expect(stdout).toBe("");
    const lines = stderr
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      ["info", "hello info"],
      ["warn", "tagged warn"],
      ["error", "boom [REDACTED:github-token]"],
    ]);
    expect(lines[1]).toMatchObject({ tag: "x", a: 1 });
    expect(lines[2].stack).toContain("boom [REDACTED:github-token]");
    expect(stderr).not.toContain("ghp_");
  });

  test("text lines off a terminal start with the time; on a terminal they are consola's, still on stderr", async () => {
    const piped = await run([BUN, "-e", script("text")]);
    expect(piped.stdout).toBe("");
    expect(piped.stderr.split("\n").filter(Boolean).slice(0, 3)).toEqual([
      expect.stringMatching(/^\d{4}-\d\d-\d\dT[\d:.]+Z INFO {2}hello info$/),
      expect.stringMatching(/Z WARN {2}\[x\] tagged warn a=1$/),
      expect.stringMatching(/Z ERROR Error: boom \[REDACTED:github-token\]$/),
    ]);
    // `script` (util-linux) gives the process a terminal; stdout is sent to a file to see it stays empty.
    const dir = Bun.spawnSync(["mktemp", "-d"]).stdout.toString().trim();
    const out = join(dir, "stdout.txt");
    const file = join(dir, "logs.ts");
    await Bun.write(file, script("text"));
    const tty = await run(["script", "-qec", `${BUN} ${file} > ${out}`, "/dev/null"]);
    expect(await Bun.file(out).text()).toBe("");
    const screen = tty.stdout.replace(/\r/g, "");
    expect(screen).toContain("hello info");
    expect(screen).toMatch(/\[x\].*tagged warn a=1/);
    expect(screen).toContain("boom [REDACTED:github-token]");
    // consola's terminal format (its basic one under a test runner or CI), not the timestamped lines.
    expect(screen).not.toMatch(/^\d{4}-\d\d-\d\dT/m);
  });
});
