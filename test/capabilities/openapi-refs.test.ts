import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { importOpenApi } from "../../src/capabilities/openapi/import.ts";
import { loadSpec } from "../../src/capabilities/openapi/load.ts";
import { tempDir } from "../helpers/gateway.ts";

// A remote spec may only reference its own origin, a local spec only files under its own folder (issue 11).

const root = tempDir("mcp-gateway-openapi-refs-");
const SECRET = "TOP-SECRET-VALUE";
const secretFile = join(root, "secret.yaml");
const specDir = join(root, "specs");

/** An OpenAPI 3.0 spec whose one query parameter's schema is `{ $ref: ref }`. */
function specWith(ref: string, server = "https://api.example"): string {
  return [
    "openapi: 3.0.3",
    "info: { title: Refs }",
    `servers: [{ url: "${server}" }]`,
    "paths:",
    "  /notes:",
    "    get:",
    "      operationId: listNotes",
    `      parameters: [{ name: q, in: query, schema: { $ref: "${ref}" } }]`,
    "      responses: { '200': { description: ok } }",
    "",
  ].join("\n");
}

/** A server that answers from a path → body map and records every path it was asked for. */
function serve(routes: Record<string, () => Response>): {
  server: ReturnType<typeof Bun.serve>;
  asked: string[];
} {
  const asked: string[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: (request) => {
      const path = new URL(request.url).pathname;
      asked.push(path);
      return routes[path]?.() ?? new Response("not found", { status: 404 });
    },
  });
  return { server, asked };
}

const yaml = (text: string) => () => new Response(text, { headers: { "content-type": "application/yaml" } });
const redirect = (to: () => string) => () => new Response(null, { status: 302, headers: { location: to() } });

let home: ReturnType<typeof serve>;
let other: ReturnType<typeof serve>;
const homeUrl = (path: string): string => new URL(path, home.server.url).href;
const otherUrl = (path: string): string => new URL(path, other.server.url).href;

beforeAll(() => {
  writeFileSync(secretFile, `type: string\ndefault: ${SECRET}\n`);
  other = serve({ "/shared.yaml": yaml(`Query: { type: string, default: ${SECRET} }\n`) });
  home = serve({
    "/api/file-ref.yaml": yaml(specWith(pathToFileURL(secretFile).href)),
    "/api/other-origin.yaml": yaml(specWith(`${otherUrl("/shared.yaml")}#/Query`)),
    "/api/redirect-out.yaml": yaml(specWith("./moved.yaml#/Query")),
    "/api/moved.yaml": redirect(() => otherUrl("/shared.yaml")),
    "/api/same-origin.yaml": yaml(specWith("./parts/query.yaml")),
    "/api/parts/query.yaml": yaml("type: string\ndefault: from-same-origin\n"),
    "/api/absolute-path.yaml": yaml(specWith("/common/query.yaml")),
    "/common/query.yaml": yaml("type: string\ndefault: from-root-path\n"),
    "/api/redirect-home.yaml": yaml(specWith("./old.yaml")),
    "/api/old.yaml": redirect(() => homeUrl("/api/parts/query.yaml")),
    "/api/nested.yaml": yaml(specWith("./parts/nested.yaml")),
    "/api/parts/nested.yaml": yaml(
      `type: object\nproperties: { x: { $ref: "${pathToFileURL(secretFile).href}" } }\n`,
    ),
  });

  mkdirSync(join(specDir, "parts"), { recursive: true });
  writeFileSync(join(specDir, "parts", "query.yaml"), "type: string\ndefault: from-same-folder\n");
  writeFileSync(join(specDir, "sub-folder.yaml"), specWith("./parts/query.yaml"));
  writeFileSync(
    join(specDir, "file-url-inside.yaml"),
    specWith(pathToFileURL(join(specDir, "parts", "query.yaml")).href),
  );
  writeFileSync(join(specDir, "escape.yaml"), specWith("../secret.yaml"));
  writeFileSync(join(specDir, "encoded-escape.yaml"), specWith("parts/..%2F..%2Fsecret.yaml"));
  writeFileSync(join(specDir, "file-url-outside.yaml"), specWith(pathToFileURL(secretFile).href));
  symlinkSync(secretFile, join(specDir, "parts", "link.yaml"));
  writeFileSync(join(specDir, "symlink.yaml"), specWith("./parts/link.yaml"));
  writeFileSync(join(specDir, "remote-from-local.yaml"), specWith(`${otherUrl("/shared.yaml")}#/Query`));
});
afterAll(async () => {
  await home.server.stop(true);
  await other.server.stop(true);
  rmSync(root, { recursive: true, force: true });
});

/** The query parameter's schema after loading, as the importer would see it. */
async function querySchema(source: string): Promise<unknown> {
  const spec = (await loadSpec(source)) as {
    paths: { "/notes": { get: { parameters: { schema: unknown }[] } } };
  };
  return spec.paths["/notes"].get.parameters[0]?.schema;
}

describe("a spec fetched over HTTP", () => {
  test("a file:// ref is refused, naming the ref, and nothing is written", async () => {
    const ref = pathToFileURL(secretFile).href;
    const out = join(root, "out-file-ref");
    const imported = importOpenApi(homeUrl("/api/file-ref.yaml"), { output: out });
    await expect(imported).rejects.toThrow(
      `$ref "${ref}" points outside ${home.server.url.origin}, the spec's origin`,
    );
    await expect(imported).rejects.not.toThrow(SECRET);
    expect(() => readdirSync(out)).toThrow();
  });

  test("a ref to another origin is refused before anything is asked of that origin", async () => {
    const before = other.asked.length;
    await expect(loadSpec(homeUrl("/api/other-origin.yaml"))).rejects.toThrow(
      `$ref "${otherUrl("/shared.yaml")}" points outside ${home.server.url.origin}`,
    );
    expect(other.asked.length).toBe(before);
  });

  test("a same-origin ref that redirects to another origin is refused without following it", async () => {
    const before = other.asked.length;
    await expect(loadSpec(homeUrl("/api/redirect-out.yaml"))).rejects.toThrow(
      `$ref "./moved.yaml" (${homeUrl("/api/moved.yaml")}) (redirected to ${otherUrl("/shared.yaml")}) points outside`,
    );
    expect(other.asked.length).toBe(before);
  });

  test("a file:// ref inside a same-origin file is refused too", async () => {
    await expect(loadSpec(homeUrl("/api/nested.yaml"))).rejects.toThrow(
      `$ref "${pathToFileURL(secretFile).href}" points outside ${home.server.url.origin}`,
    );
  });

  test("relative, root-relative and redirected refs within the origin resolve", async () => {
    expect(await querySchema(homeUrl("/api/same-origin.yaml"))).toEqual({
      type: "string",
      default: "from-same-origin",
    });
    expect(await querySchema(homeUrl("/api/absolute-path.yaml"))).toEqual({
      type: "string",
      default: "from-root-path",
    });
    expect(await querySchema(homeUrl("/api/redirect-home.yaml"))).toEqual({
      type: "string",
      default: "from-same-origin",
    });
  });
});

describe("a spec read from a file", () => {
  const outside = `outside ${specDir}, the spec's folder`;

  test("a ../ escape is refused, naming the ref", async () => {
    await expect(loadSpec(join(specDir, "escape.yaml"))).rejects.toThrow(
      `$ref "../secret.yaml" (${secretFile}) points ${outside}`,
    );
  });

  test("an escape spelt with encoded slashes is refused", async () => {
    await expect(loadSpec(join(specDir, "encoded-escape.yaml"))).rejects.toThrow(
      `$ref "parts/..%2F..%2Fsecret.yaml"`,
    );
    await expect(loadSpec(join(specDir, "encoded-escape.yaml"))).rejects.toThrow(outside);
  });

  test("a file:// URL outside the folder is refused", async () => {
    await expect(loadSpec(join(specDir, "file-url-outside.yaml"))).rejects.toThrow(
      `$ref "${pathToFileURL(secretFile).href}" points ${outside}`,
    );
  });

  test("a symlink inside the folder that leads out of it is refused", async () => {
    await expect(loadSpec(join(specDir, "symlink.yaml"))).rejects.toThrow(
      `$ref "./parts/link.yaml" (${join(specDir, "parts", "link.yaml")}) (a link to ${secretFile}) points ${outside}`,
    );
  });

  test("a URL is refused before anything is asked of it", async () => {
    const before = other.asked.length;
    await expect(loadSpec(join(specDir, "remote-from-local.yaml"))).rejects.toThrow(
      `$ref "${otherUrl("/shared.yaml")}" points ${outside}`,
    );
    expect(other.asked.length).toBe(before);
  });

  test("files under the spec's folder resolve, by relative path or file:// URL", async () => {
    const expected = { type: "string", default: "from-same-folder" };
    expect(await querySchema(join(specDir, "sub-folder.yaml"))).toEqual(expected);
    expect(await querySchema(join(specDir, "file-url-inside.yaml"))).toEqual(expected);
  });
});
