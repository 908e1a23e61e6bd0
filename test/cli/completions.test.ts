import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CommandDef } from "citty";
import { completionScript } from "../../src/cli/completion/scripts.ts";
import { allNodes, type CommandNode, commandTree } from "../../src/cli/completion/tree.ts";
import { rootCommand } from "../../src/cli/root-command.ts";
import { tempDir } from "../helpers/gateway.ts";
import { BUN, ENTRY, serverCommand } from "../helpers/paths.ts";
import { runCli } from "./run.ts";

const dir = tempDir("mcp-gateway-completions-");
const scripts: Record<string, string> = {};
let tree: CommandNode;

beforeAll(async () => {
  for (const shell of ["bash", "zsh", "fish"]) {
    const run = await runCli(["completions", shell]);
    expect(run.code).toBe(0);
    scripts[shell] = join(dir, `mcp-gateway.${shell}`);
    writeFileSync(scripts[shell], run.stdout);
  }
  tree = await commandTree(rootCommand as CommandDef);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sh(argv: string[]): { code: number; out: string; err: string } {
  const r = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe" });
  return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
}

/** Completes `words` (the last one being typed) with the generated bash function, as bash would. */
function bashComplete(words: string[]): string[] {
  const quoted = words.map((w) => `'${w}'`).join(" ");
  const r = sh([
    "bash",
    "-c",
    `source '${scripts.bash}'; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _mcp_gateway_complete; printf '%s\\n' "\${COMPREPLY[@]}"`,
  ]);
  expect(r.err).toBe("");
  return r.out.split("\n").filter(Boolean);
}

const hasShell = (name: string): boolean => Bun.which(name) !== null;

describe("command tree", () => {
  test("covers every subcommand, nested ones included", () => {
    const paths = allNodes(tree).map((n) => n.path.slice(1).join(" "));
    for (const expected of [
      "serve",
      "init",
      "doctor",
      "servers",
      "tools search",
      "tools call",
      "import",
      "setup",
      "completions",
    ]) {
      expect(paths).toContain(expected);
    }
  });

  test("the release scripts match what `completions` prints", async () => {
    for (const shell of ["bash", "zsh", "fish"] as const) {
      expect(await completionScript(shell)).toBe(readFileSync(scripts[shell] ?? "", "utf8"));
    }
  });

  test("carries aliases, negations and choices of flags", () => {
    const serve = tree.subcommands.find((n) => n.name === "serve");
    const config = serve?.flags.find((f) => f.name === "config");
    expect(config).toMatchObject({ aliases: ["c"], takesValue: true, files: true });
    expect(serve?.flags.find((f) => f.name === "meta-mcp")?.negatable).toBe(true);
    expect(serve?.flags.find((f) => f.name === "log-level")?.values).toEqual([
      "debug",
      "info",
      "warn",
      "error",
    ]);
  });
});

describe("bash", () => {
  test("parses with bash -n", () => {
    expect(sh(["bash", "-n", scripts.bash ?? ""]).code).toBe(0);
  });

  test("completes subcommands, nested subcommands, flags and flag values", () => {
    expect(bashComplete(["mcp-gateway", "to"])).toEqual(["tools"]);
    expect(bashComplete(["mcp-gateway", "tools", ""]).sort()).toEqual(["approve", "call", "list", "search"]);
    expect(bashComplete(["mcp-gateway", "completions", "z"])).toEqual(["zsh"]);
    expect(bashComplete(["mcp-gateway", "doctor", "--js"])).toEqual(["--json"]);
    expect(bashComplete(["mcp-gateway", "serve", "--log-level", "d"])).toEqual(["debug"]);
    expect(bashComplete(["mcp-gateway", "--no-m"])).toEqual(["--no-meta-mcp"]);
    expect(bashComplete(["mcp-gateway", "tools", "call", "--a"]).sort()).toEqual(["--ad-hoc", "--args"]);
  });

  test("completes file names after --config", () => {
    writeFileSync(join(dir, "gateway-unique.yaml"), "");
    expect(bashComplete(["mcp-gateway", "doctor", "--config", join(dir, "gateway-u")])).toEqual([
      join(dir, "gateway-unique.yaml"),
    ]);
  });
});

describe("zsh", () => {
  test.skipIf(!hasShell("zsh"))("parses with zsh -n and loads under compinit", () => {
    expect(sh(["zsh", "-n", scripts.zsh ?? ""]).code).toBe(0);
    const r = sh([
      "zsh",
      "-f",
      "-c",
      `autoload -Uz compinit && compinit -u -D; source '${scripts.zsh}'; print -r -- $_comps[mcp-gateway]`,
    ]);
    expect(r.out.trim()).toBe("_mcp-gateway");
  });
});

describe("fish", () => {
  test.skipIf(!hasShell("fish"))("parses with fish -n and completes through fish itself", () => {
    expect(sh(["fish", "-n", scripts.fish ?? ""]).code).toBe(0);
    const complete = (line: string): string[] =>
      sh(["fish", "-c", `source '${scripts.fish}'; complete -C '${line}'`])
        .out.split("\n")
        .filter(Boolean)
        .map((l) => l.split("\t")[0] ?? "");
    expect(complete("mcp-gateway to")).toEqual(["tools"]);
    expect(complete("mcp-gateway tools s")).toEqual(["search"]);
    expect(complete("mcp-gateway completions ").sort()).toEqual(["bash", "fish", "zsh"]);
    expect(complete("mcp-gateway init --wi")).toEqual(["--with-examples"]);
  });
});

test("an unknown shell is a usage error with a suggestion", async () => {
  const run = await runCli(["completions", "bsh"]);
  expect(run.code).toBe(2);
  expect(run.stderr).toContain('did you mean "bash"');
  expect((await runCli(["completions"])).code).toBe(2);
});

describe("server and tool names for tools call", () => {
  const bin = join(dir, "bin");
  const config = join(dir, "names.yaml");
  const env = (): Record<string, string> => ({ PATH: `${bin}:${process.env.PATH ?? ""}` });
  beforeAll(async () => {
    mkdirSync(bin, { recursive: true });
    // `mcp-gateway` on PATH, as an installed one would be.
    writeFileSync(
      join(bin, "mcp-gateway"),
      `#!/bin/sh\nexec ${JSON.stringify(BUN)} ${JSON.stringify(ENTRY)} "$@"\n`,
    );
    chmodSync(join(bin, "mcp-gateway"), 0o755);
    writeFileSync(
      config,
      `lifecycle:\n  cache_dir: ${JSON.stringify(join(dir, "cache"))}\ncapabilities:\n  enabled: false\n` +
        `backends:\n  everything:\n    command: '${serverCommand("everything", "stdio")}'\n  second:\n    command: "/not/run"\n`,
    );
    // One ad-hoc run learns everything's tools and leaves its manifest on disk.
    expect((await runCli(["tools", "list", "everything", "-c", config])).code).toBe(0);
  });

  test("the CLI prints the config's servers and a server's tools from its manifest, starting nothing", async () => {
    expect((await runCli(["completions", "--servers", "-c", config])).stdout).toBe("everything\nsecond\n");
    const tools = (await runCli(["completions", "--tools", "everything", "-c", config])).stdout.split("\n");
    expect(tools).toContain("echo");
    expect((await runCli(["completions", "--tools", "second", "-c", config])).stdout).toBe("");
    expect((await runCli(["completions", "--servers", "-c", join(dir, "missing.yaml")])).code).toBe(0);
  });

  test("bash completes them, with --config honoured", () => {
    const complete = (words: string[]): string[] => {
      const quoted = words.map((w) => `'${w}'`).join(" ");
      const r = Bun.spawnSync(
        [
          "bash",
          "-c",
          `source '${scripts.bash}'; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _mcp_gateway_complete; printf '%s\\n' "\${COMPREPLY[@]}"`,
        ],
        { env: { ...process.env, ...env() } },
      );
      return r.stdout.toString().split("\n").filter(Boolean);
    };
    expect(complete(["mcp-gateway", "tools", "call", "-c", config, "s"])).toEqual(["second"]);
    expect(complete(["mcp-gateway", "tools", "call", "--config", config, "everything", "ec"])).toEqual([
      "echo",
    ]);
    expect(
      complete(["mcp-gateway", "tools", "call", "-c", config, "--args", "{}", "everything", "ec"]),
    ).toEqual(["echo"]);
  });

  test.skipIf(!hasShell("fish"))("fish completes them", () => {
    const complete = (line: string): string[] =>
      Bun.spawnSync(["fish", "-c", `source '${scripts.fish}'; complete -C '${line}'`], {
        env: { ...process.env, ...env() },
      })
        .stdout.toString()
        .split("\n")
        .filter(Boolean)
        .map((l) => l.split("\t")[0] ?? "");
    expect(complete(`mcp-gateway tools call -c ${config} s`)).toEqual(["second"]);
    expect(complete(`mcp-gateway tools call -c ${config} everything ec`)).toEqual(["echo"]);
  });

  test.skipIf(!hasShell("zsh"))("zsh's helper offers them", () => {
    const offer = (words: string[], kind: string): string[] => {
      const script = `autoload -Uz compinit && compinit -u -D; source '${scripts.zsh}'
compadd() { [[ $1 == -a ]] && print -l -- \${(P)2} }
words=(${words.map((w) => `'${w}'`).join(" ")}); CURRENT=${words.length}
_mcp-gateway__names ${kind} "--args -a --url"`;
      return Bun.spawnSync(["zsh", "-f", "-c", script], { env: { ...process.env, ...env() } })
        .stdout.toString()
        .split("\n")
        .filter(Boolean);
    };
    expect(offer(["call", "-c", config, ""], "servers")).toEqual(["everything", "second"]);
    expect(offer(["call", "--config", config, "--args", "{}", "everything", ""], "tools")).toContain("echo");
  });
});
