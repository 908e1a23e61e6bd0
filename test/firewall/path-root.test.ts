import { describe, expect, test } from "bun:test";
import { homedir } from "node:os";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { createConsola } from "consola";
import { parseConfig } from "../../src/config/load.ts";
import { checkArguments, outsideRoot } from "../../src/firewall/arguments.ts";
import { Firewall } from "../../src/firewall/firewall.ts";
import { tempDir } from "../helpers/gateway.ts";

const ROOT = "/work/project";

describe("paths.root", () => {
  test.each([
    ["src/a.ts", false],
    ["./docs/../README.md", false], // .. that stays inside
    ["/work/project", false],
    ["/work/project/src/a.ts", false],
    ["/work/project-other/x", true], // a prefix is not a parent
    ["/etc/hosts", true],
    ["../secrets.txt", true],
    ["src/../../other/x", true],
    ["src\\..\\..\\x", true], // backslashes
    ["%2e%2e%2f%2e%2e%2fetc/passwd", true], // percent-encoded
    ["file:///etc/passwd", true],
    ["file:///work/project/a.txt", false],
    ["~/notes.txt", true], // the home folder is outside /work/project
    ["~root/.bashrc", true],
    ["C:\\Windows\\system32", true],
  ])("%s leaves the root: %s", (value, outside) => {
    expect(outsideRoot(value, ROOT)).toBe(outside);
  });

  test("a root in the home folder takes ~ paths inside it; a drive-letter root compares case-blind", () => {
    expect(outsideRoot("~/code/a.ts", `${homedir()}/code`)).toBe(false);
    expect(outsideRoot("c:/Data/x.txt", "C:\\data")).toBe(false);
    expect(outsideRoot("D:\\data\\x.txt", "C:\\data")).toBe(true);
  });

  test("only path-named arguments are judged, and only with a root", () => {
    const tool = { name: "read", inputSchema: { type: "object" } } as Tool;
    expect(checkArguments(tool, { path: "/etc/hosts", title: "/etc/hosts" }, { root: ROOT })).toEqual([
      { rule: "path.outside-root", argument: "path" },
    ]);
    expect(checkArguments(tool, { path: "/etc/hosts" })).toEqual([]);
    // With a root, `..` is judged by where it leads: inside is fine, out of it is flagged (once).
    expect(checkArguments(tool, { files: ["a/../b.ts", "../../x"] }, { root: ROOT })).toEqual([
      { rule: "path.outside-root", argument: "files" },
    ]);
    expect(checkArguments(tool, { files: ["a/../b.ts"] }).map((f) => f.rule)).toEqual(["path.traversal"]);
  });

  test("the firewall applies the backend's root over the global one; block refuses the call", () => {
    const { config } = parseConfig(
      `firewall: { arguments: block, paths: { root: /srv/shared } }
backends:
  files:
    command: x
    firewall: { paths: { root: ${ROOT} } }
  other:
    command: x
`,
      { file: "g.yaml" },
    );
    const firewall = new Firewall(() => config, { cacheDir: tempDir(), log: createConsola({ level: -999 }) });
    const tool = { name: "read_file", inputSchema: { type: "object" } } as Tool;
    const refused = firewall.checkCall("files", tool, "read_file", { path: "/srv/shared/a" });
    expect(JSON.stringify(refused)).toContain('path.outside-root in \\"path\\"');
    expect(firewall.checkCall("files", tool, "read_file", { path: `${ROOT}/a` })).toBeUndefined();
    expect(firewall.checkCall("other", tool, "read_file", { path: "/srv/shared/a" })).toBeUndefined();
    firewall.close();
  });

  test("a relative root is a config error", () => {
    expect(() => parseConfig("firewall: { paths: { root: projects } }\n", { file: "g.yaml" })).toThrow(
      "paths.root must be an absolute path",
    );
  });
});
