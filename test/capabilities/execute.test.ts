import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { executeCapability, ResultCache } from "../../src/capabilities/execute.ts";
import { type Capability, parseCapability } from "../../src/capabilities/load.ts";
import { type StandIn, startStandIn } from "./stand-in.ts";

let api: StandIn;
beforeAll(() => {
  api = startStandIn();
});
afterAll(() => api.stop());
beforeEach(() => {
  api.received.length = 0;
  api.respond(() => Response.json({ ok: true }));
});

/** A capability whose base_url is the local stand-in. */
function capability(body: string): Capability {
  const text = `fulcrum: "1.0"\n${body.replaceAll("BASE", api.url.origin)}`;
  const result = parseCapability(text, { source: "test.yaml" });
  if (!result.ok) throw new Error(result.problems.join("\n"));
  return result.capability;
}

const ITEMS = `name: get_item
description: Reads one item.
schema:
  input:
    type: object
    properties:
      id: { type: string }
      limit: { type: integer, minimum: 1 }
      verbose: { type: boolean }
      sort: { type: string, enum: [asc, desc] }
    required: [id]
providers:
  primary:
    service: rest
    config:
      base_url: BASE
      path: /items/{id}
      params:
        limit: "{limit}"
        verbose: "{verbose}"
        order: "{sort}"
      static_params:
        lang: en
`;

function text(result: { content: unknown[] }): string {
  return (result.content[0] as { text: string }).text;
}

describe("request building", () => {
  test("fills and encodes the path, drops unfilled optional query params, adds static params", async () => {
    const result = await executeCapability(capability(ITEMS), { id: "a/b c", limit: "5" }, { env: {} });
    expect(result.isError).toBeFalsy();
    expect(api.received[0]?.target).toBe("/items/a%2Fb%20c?limit=5&lang=en");
    expect(JSON.parse(text(result))).toEqual({ ok: true });
  });

  test("coerces strings to numbers and booleans before validating", async () => {
    await executeCapability(capability(ITEMS), { id: "1", limit: "3", verbose: "true" }, { env: {} });
    expect(api.received[0]?.target).toBe("/items/1?limit=3&verbose=true&lang=en");
  });

  test("invalid arguments come back as isError naming the field, and no request is made", async () => {
    const cap = capability(ITEMS);
    const missing = await executeCapability(cap, { limit: 2 }, { env: {} });
    expect(missing.isError).toBe(true);
    expect(text(missing)).toBe("get_item: invalid arguments: id: is required");
    const wrong = await executeCapability(cap, { id: "1", limit: "many", sort: "up" }, { env: {} });
    expect(text(wrong)).toBe(
      'get_item: invalid arguments: limit: expected integer, got string; sort: must be one of "asc", "desc"',
    );
    const small = await executeCapability(cap, { id: "1", limit: 0 }, { env: {} });
    expect(text(small)).toBe("get_item: invalid arguments: limit: must be ≥ 1");
    expect(api.received).toEqual([]);
  });

  describe("dot segments in path placeholders", () => {
    const SCOPED = `name: get_doc
description: Reads one document.
schema:
  input:
    type: object
    properties:
      id: { type: string }
      kind: { type: string }
      ext: { type: string }
      q: { type: string }
    required: [id]
providers:
  primary:
    service: rest
    config:
      base_url: BASE/api/v1
      path: /docs/{id}/{kind}{ext}
      params: { q: "{q}" }
auth:
  type: bearer
  key: env:DOC_TOKEN
`;
    const env = { DOC_TOKEN: "s3cret" };

    test("an argument of . or .. is refused naming it, and nothing is sent with the credential", async () => {
      const cap = capability(SCOPED);
      for (const id of ["..", "."]) {
        const result = await executeCapability(cap, { id, kind: "x", ext: ".json" }, { env });
        expect(result.isError).toBe(true);
        expect(text(result)).toContain(`id: "${id}" cannot be a URL path segment`);
      }
      const joined = await executeCapability(cap, { id: "1", kind: ".", ext: "." }, { env });
      expect(text(joined)).toContain('kind, ext: ".." cannot be a URL path segment');
      expect(api.received).toEqual([]);
    });

    test("dots inside a segment, encoded dots and dots in the query still go through", async () => {
      const cap = capability(SCOPED);
      await executeCapability(cap, { id: "a..b", kind: "..", ext: ".", q: ".." }, { env });
      await executeCapability(cap, { id: "%2e%2e", kind: "../x", ext: ".y" }, { env });
      expect(api.received.map((r) => r.target)).toEqual([
        "/api/v1/docs/a..b/...?q=..",
        "/api/v1/docs/%252e%252e/..%2Fx.y",
      ]);
      expect(api.received[0]?.headers.authorization).toBe("Bearer s3cret");
    });
  });

  test("POST without a body template sends the arguments no template used as JSON", async () => {
    const cap = capability(`name: create
description: Creates a thing.
schema:
  input:
    type: object
    properties:
      team: { type: string }
      title: { type: string }
      count: { type: integer }
      tags: { type: array, items: { type: string } }
providers:
  primary:
    config:
      base_url: BASE/api/
      path: teams/{team}/things
      method: POST
      headers:
        X-Trace: "t-{title}"
`);
    await executeCapability(cap, { team: "core", title: "Hi", count: "2", tags: ["x"] }, { env: {} });
    const got = api.received[0];
    expect(got?.method).toBe("POST");
    expect(got?.target).toBe("/api/teams/core/things");
    expect(got?.headers["content-type"]).toBe("application/json");
    expect(got?.headers["x-trace"]).toBe("t-Hi");
    // team went into the path and title into a header, so only the rest form the body.
    expect(JSON.parse(got?.body ?? "")).toEqual({ count: 2, tags: ["x"] });
  });

  test("a body template keeps argument types and drops unfilled entries; form bodies are encoded", async () => {
    const json = capability(`name: t
description: Templated body.
schema: { input: { type: object, properties: { n: { type: number }, note: { type: string } } } }
providers:
  primary:
    config: { base_url: BASE, path: /t, method: PUT, body: { value: "{n}", note: "{note}", fixed: [1, "{n}"] } }
`);
    await executeCapability(json, { n: "4.5" }, { env: {} });
    expect(JSON.parse(api.received[0]?.body ?? "")).toEqual({ value: 4.5, fixed: [1, 4.5] });
    const form = capability(`name: f
description: Form body.
schema: { input: { type: object, properties: { a: { type: string } } } }
providers:
  primary:
    config:
      base_url: BASE
      path: /f
      method: POST
      body_content_type: application/x-www-form-urlencoded
      body: { a: "{a}", b: "x y" }
`);
    await executeCapability(form, { a: "1&2" }, { env: {} });
    expect(api.received[1]?.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(api.received[1]?.body).toBe("a=1%262&b=x+y");
  });

  test("GraphQL posts the query with the arguments as variables", async () => {
    api.respond(() => Response.json({ data: { country: { name: "Finland" } } }));
    const cap = capability(`name: gql
description: GraphQL.
schema: { input: { type: object, properties: { code: { type: string } }, required: [code] } }
providers:
  primary:
    service: graphql
    config:
      endpoint: BASE/graphql
      query: "query ($code: ID!) { country(code: $code) { name } }"
      response_path: data.country
`);
    const result = await executeCapability(cap, { code: "FI" }, { env: {} });
    expect(api.received[0]?.method).toBe("POST");
    expect(JSON.parse(api.received[0]?.body ?? "")).toEqual({
      query: "query ($code: ID!) { country(code: $code) { name } }",
      variables: { code: "FI" },
    });
    expect(text(result)).toBe('{"name":"Finland"}');
  });
});

describe("auth", () => {
  const keyed = (auth: string): Capability =>
    capability(`name: keyed
description: Needs a key.
providers:
  primary:
    config: { base_url: BASE, path: /k }
auth:
${auth}`);

  test("bearer from env, api_key header or query param, basic", async () => {
    await executeCapability(keyed("  type: bearer\n  key: env:TOKEN"), {}, { env: { TOKEN: "t0k" } });
    expect(api.received[0]?.headers.authorization).toBe("Bearer t0k");
    await executeCapability(
      keyed("  type: api_key\n  key: env:K\n  header: X-Api-Key"),
      {},
      { env: { K: "k1" } },
    );
    expect(api.received[1]?.headers["x-api-key"]).toBe("k1");
    await executeCapability(
      keyed("  type: api_key\n  key: env:K\n  param: appid"),
      {},
      { env: { K: "k 2" } },
    );
    expect(api.received[2]?.target).toBe("/k?appid=k+2");
    await executeCapability(keyed("  type: basic\n  key: env:B"), {}, { env: { B: "user:pa:ss" } });
    expect(api.received[3]?.headers.authorization).toBe(`Basic ${btoa("user:pa:ss")}`);
  });

  test("file:path:field reads JSON, YAML or dotenv files; file:path the whole file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cap-auth-"));
    writeFileSync(join(dir, "creds.json"), JSON.stringify({ svc: { token: "from-json" } }));
    writeFileSync(join(dir, ".env"), "OTHER=1\nexport API_TOKEN='from-dotenv'\n");
    writeFileSync(join(dir, "token.txt"), "  whole-file\n");
    await executeCapability(
      keyed(`  type: bearer\n  key: file:${dir}/creds.json:svc.token`),
      {},
      { env: {} },
    );
    await executeCapability(keyed(`  type: bearer\n  key: file:${dir}/.env:API_TOKEN`), {}, { env: {} });
    await executeCapability(keyed(`  type: bearer\n  key: file:${dir}/token.txt`), {}, { env: {} });
    expect(api.received.map((r) => r.headers.authorization)).toEqual([
      "Bearer from-json",
      "Bearer from-dotenv",
      "Bearer whole-file",
    ]);
  });

  test("a missing credential explains how to set it and sends nothing", async () => {
    const result = await executeCapability(
      keyed("  type: bearer\n  key: env:MISSING_TOKEN\n  description: get one at example.org/keys"),
      {},
      { env: {} },
    );
    expect(result.isError).toBe(true);
    expect(text(result)).toBe(
      "keyed: needs a credential: set environment variable MISSING_TOKEN in the gateway's environment " +
        "(get one at example.org/keys), then call again",
    );
    expect(api.received).toEqual([]);
  });

  test("an optional credential that is not set is simply left out", async () => {
    await executeCapability(keyed("  type: bearer\n  key: env:NOPE\n  required: false"), {}, { env: {} });
    expect(api.received[0]?.headers.authorization).toBeUndefined();
  });
});

describe("responses", () => {
  test("a non-2xx answer is isError with the status and a short body excerpt (no query string)", async () => {
    api.respond(
      () => new Response(`{"error":"no such item","detail":"${"x".repeat(500)}"}`, { status: 404 }),
    );
    const result = await executeCapability(capability(ITEMS), { id: "9", limit: 1 }, { env: {} });
    expect(result.isError).toBe(true);
    const message = text(result);
    expect(message).toStartWith(
      `get_item: GET ${api.url.origin}/items/9 answered HTTP 404 Not Found: {"error":"no such item"`,
    );
    expect(message.length).toBeLessThan(320);
    expect(message).not.toContain("limit=1");
  });

  test("a slow API times out with isError naming the limit", async () => {
    api.respond(() => new Promise<Response>(() => {}));
    const cap = capability(
      ITEMS.replace("      path: /items/{id}", "      path: /items/{id}\n      timeout: 150ms"),
    );
    const result = await executeCapability(cap, { id: "1" }, { env: {} });
    expect(text(result)).toBe(`get_item: GET ${api.url.origin}/items/1 did not answer within 150ms`);
  });

  test("the caller's abort signal cancels the request", async () => {
    api.respond(() => new Promise<Response>(() => {}));
    const controller = new AbortController();
    const pending = executeCapability(capability(ITEMS), { id: "1" }, { env: {}, signal: controller.signal });
    while (api.received.length === 0) await Bun.sleep(5);
    controller.abort();
    expect(text(await pending)).toBe("get_item: cancelled");
  });

  test("response_path narrows JSON; XML is read as JSON; text is passed through", async () => {
    api.respond(() => Response.json({ data: { items: [{ name: "a" }, { name: "b" }] } }));
    const json = capability(
      ITEMS.replace("      static_params:", "      response_path: data.items.1\n      static_params:"),
    );
    expect(text(await executeCapability(json, { id: "1" }, { env: {} }))).toBe('{"name":"b"}');

    api.respond(
      () =>
        new Response("<feed><entry><id>1</id></entry><entry><id>2</id></entry></feed>", {
          headers: { "content-type": "application/atom+xml" },
        }),
    );
    const xml = capability(
      ITEMS.replace(
        "      static_params:",
        "      response_format: xml\n      response_path: feed.entry\n      static_params:",
      ),
    );
    expect(text(await executeCapability(xml, { id: "1" }, { env: {} }))).toBe('[{"id":"1"},{"id":"2"}]');

    api.respond(() => new Response("Oslo: ☀️ +21°C"));
    const plain = capability(
      ITEMS.replace("      static_params:", "      response_format: text\n      static_params:"),
    );
    expect(text(await executeCapability(plain, { id: "1" }, { env: {} }))).toBe("Oslo: ☀️ +21°C");
  });

  test("binary images come back as image content", async () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    api.respond(() => new Response(png, { headers: { "content-type": "image/png" } }));
    const cap = capability(
      ITEMS.replace("      static_params:", "      response_format: binary\n      static_params:"),
    );
    const result = await executeCapability(cap, { id: "1" }, { env: {} });
    expect(result.content[0]).toEqual({
      type: "image",
      mimeType: "image/png",
      data: Buffer.from(png).toString("base64"),
    });
  });

  test("a body that is not JSON is isError with an excerpt", async () => {
    api.respond(() => new Response("<html>maintenance</html>", { headers: { "content-type": "text/html" } }));
    const result = await executeCapability(capability(ITEMS), { id: "1" }, { env: {} });
    expect(text(result)).toBe(
      "get_item: the API did not answer with JSON (content-type text/html): <html>maintenance</html>",
    );
  });

  test("with an output schema, an object answer is also structuredContent", async () => {
    api.respond(() => Response.json({ temp: 21 }));
    const cap = capability(
      ITEMS.replace(
        "    required: [id]",
        "    required: [id]\n  output:\n    type: object\n    properties: { temp: { type: number } }",
      ),
    );
    const result = await executeCapability(cap, { id: "1" }, { env: {} });
    expect(result.structuredContent).toEqual({ temp: 21 });
    expect(cap.tool.outputSchema).toEqual({ type: "object", properties: { temp: { type: "number" } } });
  });

  test("read-only results are cached for cache.ttl; errors are not", async () => {
    let now = 1_000;
    const cache = new ResultCache();
    const cap = capability(`${ITEMS}cache:\n  ttl: 60\n`);
    const options = { env: {}, cache, now: () => now };
    await executeCapability(cap, { id: "1" }, options);
    await executeCapability(cap, { id: "1" }, options);
    expect(api.received.length).toBe(1);
    await executeCapability(cap, { id: "2" }, options);
    expect(api.received.length).toBe(2);
    now += 61_000;
    await executeCapability(cap, { id: "1" }, options);
    expect(api.received.length).toBe(3);
    api.respond(() => new Response("down", { status: 503 }));
    await executeCapability(cap, { id: "3" }, options);
    await executeCapability(cap, { id: "3" }, options);
    expect(api.received.length).toBe(5);
  });

  test("on 5xx the fallback provider is tried", async () => {
    api.respond((request) =>
      new URL(request.url).pathname.startsWith("/primary")
        ? new Response("boom", { status: 502 })
        : Response.json({ from: "fallback" }),
    );
    const cap = capability(`name: fb
description: With a fallback.
providers:
  primary:
    config: { base_url: BASE, path: /primary }
  fallback:
    - config: { base_url: BASE, path: /secondary }
`);
    const result = await executeCapability(cap, {}, { env: {} });
    expect(api.received.map((r) => r.target)).toEqual(["/primary", "/secondary"]);
    expect(text(result)).toBe('{"from":"fallback"}');
  });
});
