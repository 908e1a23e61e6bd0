import { beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../helpers/gateway.ts";
import { BUN, ENTRY, ROOT } from "../helpers/paths.ts";

async function run(argv: string[], cwd = ROOT): Promise<{ code: number; stdout: string; stderr: string }> {
  const proc = Bun.spawn(argv, {
    cwd,
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, NO_COLOR: "1" },
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr };
}

const cli = (args: string[], cwd?: string) => run([BUN, ENTRY, ...args], cwd);

const GOOD = `fulcrum: "1.0"
name: local_echo
description: Echo from a local service.
providers:
  primary:
    config:
      base_url: http://127.0.0.1:9/
      path: /echo
`;

describe("mcp-gateway cap", () => {
  test("validate: exit 0 and a count for good files, exit 2 with file:line:col for bad ones", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "good.yaml"), GOOD);
    const ok = await cli(["cap", "validate", dir]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe("1 valid capabilities, 0 problems\n");
    writeFileSync(
      join(dir, "bad.yaml"),
      GOOD.replace("name: local_echo", "name: other").replace("      path:", "      pathh:"),
    );
    const bad = await cli(["cap", "validate", dir]);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toContain(
      `${join(dir, "bad.yaml")}:8:7: unknown key "pathh" in providers.primary.config (did you mean "path"?)`,
    );
    expect(bad.stderr).toBe("mcp-gateway: 1 problem(s) in capability files\n");
  });

  test("pin writes a sha256 line; a tampered pinned file then fails validation until re-pinned", async () => {
    const dir = tempDir();
    const file = join(dir, "p.yaml");
    writeFileSync(file, GOOD);
    const pinned = await cli(["cap", "pin", file]);
    expect(pinned.code).toBe(0);
    expect(pinned.stdout).toMatch(/^pinned .*p\.yaml sha256:[0-9a-f]{64}\n$/);
    expect(readFileSync(file, "utf8")).toStartWith("sha256: ");
    expect((await cli(["cap", "validate", file])).code).toBe(0);
    writeFileSync(file, readFileSync(file, "utf8").replace("/echo", "/other"));
    const tampered = await cli(["cap", "validate", file]);
    expect(tampered.code).toBe(2);
    expect(tampered.stdout).toContain("content does not match its sha256 pin");
    expect((await cli(["cap", "pin", file])).code).toBe(0);
    expect((await cli(["cap", "validate", file])).code).toBe(0);
  });

  test("list --json shows built-ins and extra files; test refuses bad --args", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "good.yaml"), GOOD);
    const listed = await cli(["cap", "list", "--json", dir]);
    const body = JSON.parse(listed.stdout) as { capabilities: { name: string; source: string }[] };
    expect(body.capabilities.length).toBeGreaterThanOrEqual(71);
    expect(body.capabilities.find((c) => c.name === "local_echo")?.source).toBe(join(dir, "good.yaml"));
    const bad = await cli(["cap", "test", "weather_current", "--args", "{nope"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--args must be a JSON object");
    const invalid = await cli([
      "cap",
      "test",
      "weather_current",
      "--args",
      '{"latitude":"north","longitude":1}',
    ]);
    expect(invalid.code).toBe(1);
    expect(invalid.stdout).toContain(
      "weather_current: invalid arguments: latitude: expected number, got string",
    );
  });
});

describe("compiled binary", () => {
  let binary: string;
  beforeAll(async () => {
    binary = join(tempDir("mcp-gateway-bin-"), "mcp-gateway");
    const build = await run([
      BUN,
      "build",
      "--compile",
      ENTRY,
      "--outfile",
      binary,
      "--no-compile-autoload-dotenv",
      "--no-compile-autoload-bunfig",
    ]);
    expect(build.code).toBe(0);
  });

  test("carries the built-in capabilities with no files on disk", async () => {
    const elsewhere = tempDir();
    const listed = await run([binary, "cap", "list", "--json"], elsewhere);
    expect(listed.code).toBe(0);
    const body = JSON.parse(listed.stdout) as { capabilities: { source: string }[]; problems: string[] };
    expect(body.problems).toEqual([]);
    expect(body.capabilities.length).toBeGreaterThanOrEqual(70);
    expect(body.capabilities.every((c) => c.source.startsWith("builtin:"))).toBe(true);
    const validated = await run([binary, "cap", "validate", "--builtin"], elsewhere);
    expect(validated.code).toBe(0);
  });
});
