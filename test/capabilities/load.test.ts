import { describe, expect, test } from "bun:test";
import { parseCapability } from "../../src/capabilities/load.ts";
import { capabilityHash, withPin } from "../../src/capabilities/pin.ts";

const GOOD = `fulcrum: "1.0"
name: brave_search
description: Search the web using Brave.
schema:
  input:
    type: object
    properties:
      query:
        type: string
        description: The search query
    required: [query]
providers:
  primary:
    service: rest
    config:
      base_url: https://api.search.brave.com
      path: /res/v1/web/search
      params:
        q: "{query}"
auth:
  required: true
  type: api_key
  key: env:BRAVE_API_KEY
  header: X-Subscription-Token
cache:
  strategy: exact
  ttl: 300
metadata:
  category: search
  tags: [web, search]
  cost_category: cheap
  read_only: true
`;

function problems(text: string): string[] {
  const result = parseCapability(text, { source: "caps/x.yaml" });
  return result.ok ? [] : result.problems;
}

describe("parseCapability", () => {
  test("loads a Rust-edition file unchanged, with its extra keys", () => {
    const result = parseCapability(GOOD, { source: "caps/brave.yaml" });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const { capability } = result;
    expect(capability.tool.name).toBe("brave_search");
    expect(capability.tool.inputSchema).toMatchObject({ type: "object", required: ["query"] });
    expect(capability.tool.annotations).toEqual({
      readOnlyHint: true,
      destructiveHint: false,
      idempotentHint: true,
      openWorldHint: true,
    });
    expect(capability.cacheTtlMs).toBe(300_000);
    expect(capability.warnings).toEqual([]);
  });

  test("maps metadata to MCP annotations, inferring from the method when read_only is absent", () => {
    const post = GOOD.replace("      path: /res/v1/web/search", "      path: /x\n      method: post").replace(
      "  read_only: true\n",
      "  destructive: true\n",
    );
    const result = parseCapability(post, { source: "x.yaml" });
    expect(result.ok && result.capability.tool.annotations).toEqual({
      readOnlyHint: false,
      destructiveHint: true,
      idempotentHint: false,
      openWorldHint: true,
    });
    // cache.ttl on a tool that is not read-only is ignored, with a warning naming the line.
    expect(result.ok && result.capability.cacheTtlMs).toBe(0);
    expect(result.ok && result.capability.warnings[0]).toMatch(/^x\.yaml:\d+:\d+: cache\.ttl is ignored/);
  });

  test("an unknown key is reported with file:line:col and a did-you-mean", () => {
    expect(problems(GOOD.replace("      path: /res", "      pth: /res"))).toEqual([
      'caps/x.yaml:17:7: unknown key "pth" in providers.primary.config (did you mean "path"?)',
    ]);
    expect(problems(GOOD.replace("  read_only: true", "  readonly: true"))[0]).toBe(
      'caps/x.yaml:32:3: unknown key "readonly" in metadata (did you mean "read_only"?)',
    );
  });

  test("missing and wrong fields are named with their line", () => {
    expect(problems(GOOD.replace("description: Search the web using Brave.\n", ""))).toEqual([
      "caps/x.yaml:1:1: description is required",
    ]);
    expect(problems(GOOD.replace("      base_url: https://api.search.brave.com\n", ""))[0]).toMatch(
      /^caps\/x\.yaml:16:7: providers\.primary\.config: needs base_url \(plus path\) or endpoint/,
    );
    expect(problems(GOOD.replace("service: rest", "service: grpc"))[0]).toMatch(
      /^caps\/x\.yaml:14:14: providers\.primary\.service: service must be rest or graphql/,
    );
    expect(problems(GOOD.replace("name: brave_search", "name: brave search!"))[0]).toMatch(
      /^caps\/x\.yaml:2:7: name:/,
    );
  });

  test("a literal secret in auth.key is refused", () => {
    const [problem] = problems(GOOD.replace("key: env:BRAVE_API_KEY", "key: sk-live-1234abcd"));
    expect(problem).toContain("auth.key must be a reference such as env:VAR or file:path:field");
    expect(problem).toStartWith("caps/x.yaml:23:8:");
  });

  test("broken YAML is reported with its line", () => {
    expect(problems('fulcrum: "1.0"\nname: [unclosed\n')[0]).toMatch(/^caps\/x\.yaml:\d+:\d+: invalid YAML/);
    expect(problems("- a\n- b\n")).toEqual([
      "caps/x.yaml:1:1: a capability file must be a YAML mapping (fulcrum, name, …)",
    ]);
  });

  test("a pinned file loads while its content matches, and is refused once changed", () => {
    const pinned = withPin(GOOD);
    expect(pinned).toStartWith(`sha256: ${capabilityHash(GOOD)}\n`);
    const ok = parseCapability(pinned, { source: "p.yaml" });
    expect(ok.ok && ok.capability.pinned).toBe(true);
    const tampered = pinned.replace("api.search.brave.com", "evil.example.com");
    const refused = parseCapability(tampered, { source: "p.yaml" });
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.problems[0]).toMatch(
      /^p\.yaml:1:9: content does not match its sha256 pin .*re-pinned with: mcp-gateway cap pin p\.yaml$/,
    );
  });

  test("the pin ignores CRLF line endings and matches the documented shell command", async () => {
    const crlf = withPin(GOOD).replaceAll("\n", "\r\n");
    expect(parseCapability(crlf, { source: "c.yaml" }).ok).toBe(true);
    const proc = Bun.spawn(["sh", "-c", "sed 's/\\r$//' | grep -v '^sha256:' | sha256sum"], {
      stdin: new TextEncoder().encode(crlf),
    });
    expect((await new Response(proc.stdout).text()).split(" ")[0]).toBe(capabilityHash(GOOD));
  });
});
