import { describe, expect, test } from "bun:test";
import { allows, compileAccess, globMatcher } from "../../src/auth/scopes.ts";
import { ProfileSchema } from "../../src/config/schema.ts";

const profiles = {
  ops: ProfileSchema.parse({ servers: ["git*"], deny_tools: ["github/delete_*"], prompts: ["everything"] }),
  reader: ProfileSchema.parse({ servers: ["memory"], read_only: true }),
  nogit: ProfileSchema.parse({ deny_servers: ["github"] }),
};
const tool = (server: string, name: string, readOnly = false) => ({
  server,
  kind: "tool" as const,
  name,
  readOnly,
});

describe("scopes and profiles", () => {
  test("globs match within one name part", () => {
    expect(globMatcher("git*")("github")).toBe(true);
    expect(globMatcher("git*")("gitlab/x")).toBe(false);
    expect(globMatcher("a.b")("aXb")).toBe(false);
    expect(globMatcher("get_?")("get_1")).toBe(true);
  });

  test("a server/tool scope allows that tool and shows its server, nothing else", () => {
    const access = compileAccess(["everything/echo"], profiles);
    expect(allows(access, tool("everything", "echo"))).toBe(true);
    expect(allows(access, tool("everything", "add"))).toBe(false);
    expect(allows(access, tool("memory", "echo"))).toBe(false);
    expect(allows(access, tool("everything", "*"))).toBe(true);
    expect(allows(access, { server: "everything", kind: "resource", name: "*" })).toBe(false);
    expect(allows(access, { server: "everything", kind: "prompt", name: "simple" })).toBe(false);
  });

  test("deny wins over every allow, across scopes", () => {
    const access = compileAccess(["profile:ops", "github/delete_repo", "profile:nogit", "gitlab"], profiles);
    expect(allows(access, tool("github", "delete_repo"))).toBe(false);
    expect(allows(access, tool("github", "get_issue"))).toBe(false); // nogit denies the server
    expect(allows(access, tool("gitlab", "get_issue"))).toBe(true);
    expect(allows(access, { server: "everything", kind: "prompt", name: "x" })).toBe(true);
    expect(allows(access, { server: "everything", kind: "completion", name: "x" })).toBe(true);
    expect(allows(access, tool("everything", "echo"))).toBe(false);
  });

  test("a read-only profile allows only tools annotated readOnlyHint", () => {
    const access = compileAccess(["profile:reader"], profiles);
    expect(allows(access, tool("memory", "read_graph", true))).toBe(true);
    expect(allows(access, tool("memory", "delete_entities", false))).toBe(false);
    expect(allows(access, { server: "memory", kind: "resource", name: "memory://x" })).toBe(true);
  });

  test("admin allows everything; an unknown profile allows nothing and is reported", () => {
    expect(allows(compileAccess(["admin"], profiles), tool("any", "thing"))).toBe(true);
    const access = compileAccess(["profile:missing"], profiles);
    expect(access.unknownProfiles).toEqual(["missing"]);
    expect(allows(access, tool("memory", "read_graph", true))).toBe(false);
  });
});
