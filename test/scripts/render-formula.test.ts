import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseChecksums, renderFormula } from "../../scripts/render-formula.ts";
import { tempDir } from "../helpers/gateway.ts";
import { BUN, ENTRY, ROOT } from "../helpers/paths.ts";
import { spawnGateway, waitFor } from "../helpers/process.ts";

const dir = tempDir("mcp-gateway-formula-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ARCHIVES = [
  "mcp-gateway-darwin-arm64.tar.gz",
  "mcp-gateway-darwin-x64.tar.gz",
  "mcp-gateway-linux-arm64.tar.gz",
  "mcp-gateway-linux-x64.tar.gz",
  "mcp-gateway-windows-x64.zip",
];
const sums = new Map(ARCHIVES.map((name, i) => [name, String(i + 1).repeat(64)]));
const formula = renderFormula({ version: "1.2.3", repo: "acme/mcp-gateway", checksums: sums });

test("parses sha256sum output and rejects anything else", () => {
  const text = `${"a".repeat(64)}  one.tar.gz\n${"b".repeat(64)} *two.zip\n`;
  expect([...parseChecksums(text)]).toEqual([
    ["one.tar.gz", "a".repeat(64)],
    ["two.zip", "b".repeat(64)],
  ]);
  expect(() => parseChecksums("abc  file\n")).toThrow(/line 1/);
});

test("every Homebrew platform gets its URL and checksum; Windows is left out", () => {
  for (const [i, name] of ARCHIVES.slice(0, 4).entries()) {
    expect(formula).toContain(`url "https://github.com/acme/mcp-gateway/releases/download/v1.2.3/${name}"`);
    expect(formula).toContain(`sha256 "${String(i + 1).repeat(64)}"`);
  }
  expect(formula).not.toContain("windows");
  expect(formula).toContain('assert_match version.to_s, shell_output("#{bin}/mcp-gateway --version")');
  expect(formula).toContain('zsh_completion.install "completions/_mcp-gateway"');
});

test("refuses a missing checksum, a non-semver version and a bad repo", () => {
  const partial = new Map(sums);
  partial.delete("mcp-gateway-linux-arm64.tar.gz");
  expect(() => renderFormula({ version: "1.2.3", repo: "a/b", checksums: partial })).toThrow(/linux-arm64/);
  expect(() => renderFormula({ version: "latest", repo: "a/b", checksums: sums })).toThrow(/semver/);
  expect(() => renderFormula({ version: "1.2.3", repo: "nope", checksums: sums })).toThrow(/owner\/name/);
});

test("the committed formula is exactly what the renderer makes from its own checksums", () => {
  const committed = readFileSync(join(ROOT, "Formula", "mcp-gateway.rb"), "utf8");
  const version = /^ {2}version "([^"]+)"$/m.exec(committed)?.[1] ?? "";
  const repo = /^ {2}homepage "https:\/\/github\.com\/([^"]+)"$/m.exec(committed)?.[1] ?? "";
  const found = new Map<string, string>();
  for (const m of committed.matchAll(/url "[^"]*\/([^/"]+)"\n\s+sha256 "([0-9a-f]{64})"/g))
    found.set(m[1] ?? "", m[2] ?? "");
  expect(found.size).toBe(4);
  expect(renderFormula({ version, repo, checksums: found })).toBe(committed);
});

describe.skipIf(Bun.which("ruby") === null)("with ruby", () => {
  test("the formula parses (ruby -c)", () => {
    const file = join(dir, "mcp-gateway.rb");
    writeFileSync(file, formula);
    const check = Bun.spawnSync(["ruby", "-c", file]);
    expect(check.stdout.toString()).toContain("Syntax OK");
  });

  test("evaluated with a stand-in Homebrew DSL, each OS/CPU picks its own archive", () => {
    const file = join(dir, "mcp-gateway.rb");
    writeFileSync(file, formula);
    const harness = `
      require "json"
      $os, $cpu = ARGV
      $fields = {}
      class Formula
        class << self
          %i[desc homepage version license url sha256].each do |m|
            define_method(m) { |v| ($fields[m] ||= []) << v }
          end
          def on_macos; yield if $os == "macos"; end
          def on_linux; yield if $os == "linux"; end
          def on_arm; yield if $cpu == "arm"; end
          def on_intel; yield if $cpu == "intel"; end
          def service; end
          def test; end
        end
      end
      load ${JSON.stringify(file)}
      puts JSON.generate($fields.merge(installs: McpGateway.instance_method(:install).arity))
    `;
    const pick = (os: string, cpu: string) =>
      JSON.parse(Bun.spawnSync(["ruby", "-e", harness, os, cpu]).stdout.toString()) as Record<
        string,
        string[]
      >;
    expect(pick("macos", "arm").url).toEqual([
      "https://github.com/acme/mcp-gateway/releases/download/v1.2.3/mcp-gateway-darwin-arm64.tar.gz",
    ]);
    expect(pick("linux", "intel").sha256).toEqual(["4".repeat(64)]);
    expect(pick("linux", "arm").url?.[0]).toEndWith("linux-arm64.tar.gz");
    expect(pick("macos", "intel").version).toEqual(["1.2.3"]);
  });

  test("post_install creates the service's config, so the service starts instead of crash-looping", async () => {
    const prefix = join(dir, "brew");
    mkdirSync(join(prefix, "bin"), { recursive: true });
    mkdirSync(join(prefix, "etc"), { recursive: true });
    const bin = join(prefix, "bin", "mcp-gateway");
    writeFileSync(bin, `#!/bin/sh\nexec ${JSON.stringify(BUN)} ${JSON.stringify(ENTRY)} "$@"\n`);
    chmodSync(bin, 0o755);
    const file = join(dir, "service.rb");
    writeFileSync(file, formula);
    // A stand-in for Homebrew: bin/etc/opt_bin/var as Pathnames, post_install run, the service's argv printed.
    const harness = `
      require "json"; require "pathname"
      PREFIX = Pathname.new(ARGV[0])
      class Formula
        class << self
          %i[desc homepage version license url sha256].each { |m| define_method(m) { |*| } }
          def on_macos; end
          def on_linux; end
          def service(&block); @service = block; end
          def service_block; @service; end
          def test; end
        end
        def bin; PREFIX/"bin"; end
        def opt_bin; PREFIX/"bin"; end
        def etc; PREFIX/"etc"; end
        def var; PREFIX/"var"; end
        def run(argv); $argv = argv.map(&:to_s); end
        %i[keep_alive log_path error_log_path].each { |m| define_method(m) { |*| } }
      end
      load ${JSON.stringify(file)}
      f = McpGateway.new
      f.post_install
      f.post_install
      f.instance_eval(&McpGateway.service_block)
      puts JSON.generate($argv)
    `;
    const ruby = Bun.spawnSync(["ruby", "-e", harness, prefix]);
    expect(ruby.stderr.toString()).toBe("");
    const argv = JSON.parse(ruby.stdout.toString().trim().split("\n").pop() ?? "[]") as string[];
    expect(argv).toEqual([bin, "serve", "--config", join(prefix, "etc", "mcp-gateway", "gateway.yaml")]);
    expect(existsSync(join(prefix, "etc", "mcp-gateway", "gateway.yaml"))).toBe(true);
    const gateway = await spawnGateway(argv.slice(2), { command: [bin] });
    const status = await waitFor("warm-up to end", async () => {
      const health = (await (await fetch(new URL("/health", gateway.url))).json()) as { status: string };
      return health.status === "starting" ? undefined : health.status;
    });
    expect(status).toBe("ok");
    gateway.proc.kill("SIGTERM");
    await gateway.proc.exited;
  });
});
