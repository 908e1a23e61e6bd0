import { describe, expect, test } from "bun:test";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { TransformChain } from "../../src/transforms/chain.ts";
import { dropPath, parseJsonPath, pickPath } from "../../src/transforms/json-path.ts";
import { type TransformStep, TransformsSchema } from "../../src/transforms/schema.ts";

function chain(steps: unknown[]): TransformChain {
  return new TransformChain(TransformsSchema.parse(steps) as TransformStep[]);
}

function tool(name: string, extra: Partial<Tool> = {}): Tool {
  return { name, inputSchema: { type: "object" }, ...extra };
}

const TOOLS = [tool("get_issue"), tool("list_issues"), tool("delete_repo"), tool("search")];

describe("tool lists through a chain", () => {
  test("steps apply in order: a filter after a prefix sees prefixed names", () => {
    const names = chain([{ prefix: "gh_" }, { allow: ["gh_get_*", "gh_search"] }])
      .tools(TOOLS)
      .map((t) => t.name);
    expect(names).toEqual(["gh_get_issue", "gh_search"]);
  });

  test("deny drops matching tools; allow keeps only matching ones", () => {
    expect(
      chain([{ deny: ["delete_*"] }])
        .tools(TOOLS)
        .map((t) => t.name),
    ).toEqual(["get_issue", "list_issues", "search"]);
    expect(
      chain([{ allow: ["*issue*"] }])
        .tools(TOOLS)
        .map((t) => t.name),
    ).toEqual(["get_issue", "list_issues"]);
  });

  test("a rename onto a name another tool has keeps the first in the backend's order", () => {
    const names = chain([{ rename: { search: "get_issue" } }])
      .tools(TOOLS)
      .map((t) => t.name);
    expect(names).toEqual(["get_issue", "list_issues", "delete_repo"]);
  });

  test("the same input list gives the same output array (catalogs compare lists by identity)", () => {
    const c = chain([{ prefix: "x_" }]);
    expect(c.tools(TOOLS)).toBe(c.tools(TOOLS));
    expect(c.tools([...TOOLS])).not.toBe(c.tools(TOOLS));
  });

  test("hidden arguments leave the schema and required; defaulted ones stop being required", () => {
    const input = {
      type: "object" as const,
      properties: { owner: { type: "string" }, repo: { type: "string" }, q: { type: "string" } },
      required: ["owner", "repo", "q"],
    };
    const [shown] = chain([
      { arguments: { hide: ["owner"], defaults: { owner: "acme", repo: "main" } } },
    ]).tools([tool("search", { inputSchema: input })]);
    expect(Object.keys(shown?.inputSchema.properties ?? {})).toEqual(["repo", "q"]);
    expect(shown?.inputSchema.required).toEqual(["q"]);
    expect(shown?.inputSchema.properties?.repo).toEqual({ type: "string", default: "main" });
  });
});

describe("calls back through a chain", () => {
  const c = chain([
    { deny: ["delete_*"] },
    { rename: { get_issue: "issue" } },
    { prefix: "gh_" },
    { arguments: { tools: ["gh_issue"], hide: ["owner"], defaults: { owner: "acme", state: "open" } } },
  ]);

  test("an exposed name resolves to the backend's own name, arguments filled", () => {
    const call = c.resolve("gh_issue");
    expect(call?.name).toBe("get_issue");
    expect(call?.arguments({ owner: "evil", number: 7 })).toEqual({
      owner: "acme",
      state: "open",
      number: 7,
    });
    expect(call?.arguments({ state: "closed" })).toEqual({ owner: "acme", state: "closed" });
  });

  test("names no tool can have resolve to nothing: no prefix, renamed away, denied", () => {
    expect(c.resolve("issue")).toBeUndefined();
    expect(c.resolve("gh_get_issue")).toBeUndefined();
    expect(c.resolve("gh_delete_repo")).toBeUndefined();
  });

  test("a name the backend never listed resolves by the same rules", () => {
    expect(c.resolve("gh_secret_tool")?.name).toBe("secret_tool");
  });

  test("result steps apply in order; truncation marks what was cut", () => {
    const r = chain([
      { result: { drop: ["$.debug"] } },
      { result: { pick: "$.items[*].id" } },
      { result: { truncate: 4 } },
    ]);
    const call = r.resolve("x");
    const out = call?.result({
      content: [{ type: "text", text: JSON.stringify({ items: [{ id: 1 }, { id: 2 }], debug: "x" }) }],
      structuredContent: { items: [{ id: 1 }, { id: 2 }], debug: "x" },
    });
    expect(out?.structuredContent).toEqual({ value: [1, 2] });
    expect((out?.content as { text: string }[] | undefined)?.[0]?.text).toBe(
      "[1,2\n… [truncated: 4 of 5 characters shown]",
    );
  });

  test("an error result is only truncated, never reshaped", () => {
    const call = chain([{ result: { pick: "$.a", truncate: 100 } }]).resolve("x");
    const error = { isError: true, content: [{ type: "text", text: '{"a":1,"b":2}' }] };
    expect(call?.result(error)).toEqual(error);
  });
});

describe("JSON paths", () => {
  test("parse names, quoted names, indexes and wildcards", () => {
    expect(parseJsonPath(`$.a["b c"]['d'][2][*].*`)).toEqual([
      { key: "a" },
      { key: "b c" },
      { key: "d" },
      { index: 2 },
      { any: true },
      { any: true },
    ]);
  });

  test("bad paths say what is wrong", () => {
    expect(parseJsonPath("items")).toContain('starts with "$"');
    expect(parseJsonPath("$.")).toContain("field name");
    expect(parseJsonPath("$[x]")).toContain("expected [N]");
  });

  test("pick returns undefined for no match, a list for wildcards", () => {
    const value = { a: [{ b: 1 }, { b: 2 }, {}] };
    expect(pickPath(value, parseJsonPath("$.a[1].b") as never)).toBe(2);
    expect(pickPath(value, parseJsonPath("$.z") as never)).toBeUndefined();
    expect(pickPath(value, parseJsonPath("$.a[*].b") as never)).toEqual([1, 2]);
  });

  test("drop copies on write and leaves the input alone", () => {
    const value = { a: [{ b: 1, c: 2 }], keep: { x: 1 } };
    const out = dropPath(value, parseJsonPath("$.a[*].b") as never) as typeof value;
    expect(out).toEqual({ a: [{ c: 2 }], keep: { x: 1 } } as never);
    expect(value.a[0]).toEqual({ b: 1, c: 2 });
    expect(out.keep).toBe(value.keep);
  });
});
