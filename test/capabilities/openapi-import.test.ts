import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadCapabilitySet } from "../../src/capabilities/capability-set.ts";
import { readCapabilityDirectory } from "../../src/capabilities/directory.ts";
import { executeCapability } from "../../src/capabilities/execute.ts";
import type { Capability } from "../../src/capabilities/load.ts";
import { convertSpec } from "../../src/capabilities/openapi/convert.ts";
import { importOpenApi } from "../../src/capabilities/openapi/import.ts";
import { loadSpec } from "../../src/capabilities/openapi/load.ts";
import { snakeCase } from "../../src/capabilities/openapi/naming.ts";
import { tempDir } from "../helpers/gateway.ts";
import { ROOT } from "../helpers/paths.ts";
import { type StandIn, startStandIn } from "./stand-in.ts";

const FIXTURES = join(ROOT, "test", "fixtures", "openapi");
let api: StandIn;
let specServer: ReturnType<typeof Bun.serve>;
beforeAll(() => {
  api = startStandIn();
  // Serves the fixture specs over HTTP so imports from a URL are exercised too.
  specServer = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: (request) => new Response(Bun.file(join(FIXTURES, new URL(request.url).pathname.slice(1)))),
  });
});
afterAll(async () => {
  await api.stop();
  await specServer.stop(true);
});

function loadDir(dir: string): Map<string, Capability> {
  const set = loadCapabilitySet([readCapabilityDirectory(dir).files]);
  expect(set.problems).toEqual([]);
  return set.capabilities;
}

interface Expectation {
  args: Record<string, unknown>;
  request: string;
  headers?: Record<string, string | undefined>;
  body?: unknown;
  rawBody?: string;
}

// Every operation the importer keeps, with the exact request it must produce.
const CLINIC: Record<string, Expectation> = {
  clinic_list_pets: {
    args: { species: "cat", tag__: ["old", "blue eyes"], offset: "10" },
    request: "GET /api/v2/pets?limit=20&offset=10&species=cat&tag%5B%5D=old%2Cblue+eyes",
    headers: { "x-clinic-key": "k-123" },
  },
  clinic_create_pet: {
    args: { name: "Rex", species: "dog", tags: ["good"] },
    request: "POST /api/v2/pets",
    body: { name: "Rex", species: "dog", tags: ["good"] },
    headers: { "content-type": "application/json", "x-clinic-key": "k-123" },
  },
  clinic_get_pet_by_id: { args: { petId: "a/b c" }, request: "GET /api/v2/pets/a%2Fb%20c" },
  clinic_replace_pet: {
    args: { petId: "p1", name: "Tom", species: "cat", birthDate: "2020-02-02" },
    request: "PUT /api/v2/pets/p1",
    body: { name: "Tom", species: "cat", birthDate: "2020-02-02" },
  },
  clinic_update_pet_status: {
    args: { petId: "p1", "X-Request-Id": "req-9", status: "discharged" },
    request: "PATCH /api/v2/pets/p1",
    body: { status: "discharged" },
    headers: { "x-request-id": "req-9" },
  },
  clinic_delete_pet: {
    args: { petId: "p2" },
    request: "DELETE /api/v2/pets/p2",
    headers: { authorization: "Bearer k-123", "x-clinic-key": undefined },
  },
  clinic_get_pet_photo: { args: { petId: "p3" }, request: "GET /api/v2/pets/p3/photo" },
  clinic_list_pet_visits: {
    args: { petId: "p4", since: "2025-01-01" },
    request: "GET /api/v2/pets/p4/visits?since=2025-01-01",
  },
  clinic_book_visit: {
    args: { petId: "p4", date: "2025-03-04", urgent: "true" },
    request: "POST /api/v2/pets/p4/visits",
    body: { date: "2025-03-04", urgent: true },
  },
  clinic_search_owners: { args: { lastName: "O'Brien" }, request: "GET /api/v2/owners?lastName=O%27Brien" },
  clinic_get_owner: { args: { ownerId: "12" }, request: "GET /api/v2/owners/12" },
  clinic_put_owners_by_owner_id_pets_by_pet_id: {
    args: { ownerId: 3, petId: "p5" },
    request: "PUT /api/v2/owners/3/pets/p5",
  },
  clinic_vet_login: {
    args: { shift: "night shift" },
    request: "POST /api/v2/vets/login",
    rawBody: "shift=night+shift",
    headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Basic ${btoa("k-123")}` },
  },
  clinic_daily_report: { args: {}, request: "GET /api/v2/reports/daily.csv" },
  clinic_health: { args: {}, request: "GET /api/v2/health", headers: { "x-clinic-key": undefined } },
};

describe("cap import (OpenAPI 3.0 from a URL)", () => {
  let dir: string;
  let result: Awaited<ReturnType<typeof importOpenApi>>;
  beforeAll(async () => {
    dir = tempDir();
    const progress: number[] = [];
    result = await importOpenApi(new URL("/pet-clinic.yaml", specServer.url).href, {
      output: dir,
      prefix: "clinic",
      onProgress: (done) => progress.push(done),
    });
  });

  test("writes one valid capability per operation and says what it skipped and why", () => {
    expect(result.title).toBe("Pet Clinic");
    expect(result.capabilities.map((c) => c.name).sort()).toEqual(Object.keys(CLINIC).sort());
    expect(result.written.length).toBe(Object.keys(CLINIC).length);
    expect(result.skipped).toEqual([
      {
        operation: "POST /pets/{petId}/photo",
        reason: "request body multipart/form-data is not supported (JSON and form bodies are)",
      },
      { operation: "GET /session", reason: "its security scheme (cookie API key?) cannot be mapped to auth" },
    ]);
  });

  test("maps security schemes, metadata and response formats", () => {
    const caps = loadDir(dir);
    expect(caps.get("clinic_list_pets")?.definition.auth).toMatchObject({
      type: "api_key",
      key: "env:CLINIC_API_KEY",
      header: "X-Clinic-Key",
    });
    expect(caps.get("clinic_delete_pet")?.definition.auth.type).toBe("bearer");
    expect(caps.get("clinic_health")?.definition.auth.type).toBe("none");
    expect(caps.get("clinic_delete_pet")?.tool.annotations).toMatchObject({
      readOnlyHint: false,
      destructiveHint: true,
      idempotentHint: true,
    });
    expect(caps.get("clinic_list_pets")?.tool.annotations).toMatchObject({
      readOnlyHint: true,
      destructiveHint: false,
    });
    expect(caps.get("clinic_list_pets")?.definition.metadata).toMatchObject({
      category: "clinic",
      tags: ["pets"],
    });
    expect(caps.get("clinic_get_pet_photo")?.definition.providers.primary.config.response_format).toBe(
      "binary",
    );
    expect(caps.get("clinic_daily_report")?.definition.providers.primary.config.response_format).toBe("text");
    expect(caps.get("clinic_list_pets")?.definition.description).toBe(
      "List pets Pets in the clinic, newest first.",
    );
  });

  test("resolves $refs, including recursive schemas, into self-contained files", () => {
    const text = readFileSync(join(dir, "clinic_create_pet.yaml"), "utf8");
    expect(text).not.toContain("$ref");
    expect(text).not.toMatch(/[&*]a\d/);
    const caps = loadDir(dir);
    expect(caps.get("clinic_create_pet")?.tool.inputSchema).toMatchObject({
      required: ["name", "species"],
      properties: { species: { enum: ["dog", "cat", "bird", "reptile"] } },
    });
  });

  for (const [name, expected] of Object.entries(CLINIC)) {
    test(`${name} sends exactly ${expected.request}`, async () => {
      const capability = loadDir(dir).get(name);
      expect(capability).toBeDefined();
      if (!capability) return;
      const before = api.received.length;
      api.respond(() => Response.json({ ok: true }));
      const result = await executeCapability(capability, expected.args, {
        env: { CLINIC_API_KEY: "k-123" },
        fetch: api.fetch,
      });
      expect(result.isError).toBeFalsy();
      const got = api.received[before];
      expect(got?.origin).toBe("https://eu.petclinic.example");
      expect(`${got?.method} ${got?.target}`).toBe(expected.request);
      if (expected.body !== undefined) expect(JSON.parse(got?.body ?? "")).toEqual(expected.body);
      if (expected.rawBody !== undefined) expect(got?.body).toBe(expected.rawBody);
      for (const [header, value] of Object.entries(expected.headers ?? {}))
        expect(got?.headers[header]).toBe(value);
    });
  }

  test("a secured operation without its key explains which variable to set", async () => {
    const capability = loadDir(dir).get("clinic_get_owner");
    if (!capability) throw new Error("missing");
    const result = await executeCapability(capability, { ownerId: 1 }, { env: {}, fetch: api.fetch });
    expect(result.isError).toBe(true);
    expect((result.content[0] as { text: string }).text).toContain("set environment variable CLINIC_API_KEY");
  });

  test("existing files are kept unless forced", async () => {
    const again = await importOpenApi(join(FIXTURES, "pet-clinic.yaml"), { output: dir, prefix: "clinic" });
    expect(again.written).toEqual([]);
    expect(again.skipped.filter((s) => s.reason.includes("exists (use --force to overwrite)")).length).toBe(
      15,
    );
  });
});

describe("cap import (Swagger 2.0 JSON, OpenAPI 3.1 with external refs)", () => {
  test("Swagger 2.0: host/basePath, body and query params, query API key, XML responses", async () => {
    const dir = tempDir();
    const result = await importOpenApi(join(FIXTURES, "swagger2.json"), {
      output: dir,
      authKey: "env:STORE_KEY",
    });
    expect(result.capabilities.map((c) => c.name).sort()).toEqual([
      "delete_orders_by_order_id",
      "get_inventory",
      "get_order",
      "place_order",
    ]);
    const caps = loadDir(dir);
    const env = { STORE_KEY: "s3cret" };
    const run = async (name: string, args: Record<string, unknown>) => {
      const before = api.received.length;
      const capability = caps.get(name);
      if (!capability) throw new Error(`missing ${name}`);
      await executeCapability(capability, args, { env, fetch: api.fetch });
      return api.received[before];
    };
    api.respond(() => Response.json({}));
    const order = await run("place_order", { order: { petId: 1, quantity: 2 } });
    expect(`${order?.method} ${order?.origin}${order?.target}`).toBe(
      "POST https://store.example.com/v1/orders?api_key=s3cret",
    );
    expect(JSON.parse(order?.body ?? "")).toEqual({ petId: 1, quantity: 2 });
    const get = await run("get_order", { orderId: "5" });
    expect(`${get?.method} ${get?.target}`).toBe("GET /v1/orders/5?api_key=s3cret");
    const cancel = await run("delete_orders_by_order_id", { orderId: 5 });
    expect(`${cancel?.method} ${cancel?.target}`).toBe("DELETE /v1/orders/5?api_key=s3cret");
    expect(caps.get("get_inventory")?.definition.providers.primary.config.response_format).toBe("xml");
    const inventory = await run("get_inventory", { status: "sold" });
    expect(inventory?.target).toBe("/v1/inventory?status=sold&api_key=s3cret");
  });

  test("OpenAPI 3.1: type arrays and $refs into another file", async () => {
    const dir = tempDir();
    const result = await importOpenApi(join(FIXTURES, "split-3.1.yaml"), { output: dir });
    expect(result.skipped).toEqual([]);
    const caps = loadDir(dir);
    const note = caps.get("create_note");
    expect(note?.tool.inputSchema).toMatchObject({
      required: ["text"],
      properties: { pinned: { type: ["boolean", "null"] } },
    });
    api.respond(() => Response.json({}));
    const before = api.received.length;
    await executeCapability(
      note as Capability,
      { text: "hi", pinned: "true" },
      { env: {}, fetch: api.fetch },
    );
    expect(api.received[before]?.target).toBe("/api/notes");
    expect(JSON.parse(api.received[before]?.body ?? "")).toEqual({ text: "hi", pinned: true });
  });

  test("a document that is not OpenAPI is refused; a missing file names itself", async () => {
    expect(() => convertSpec({ hello: "world" })).toThrow("not an OpenAPI 3.x or Swagger 2.0 document");
    await expect(loadSpec(join(FIXTURES, "nope.yaml"))).rejects.toThrow(/cannot read .*nope\.yaml/);
  });

  test("names come from operationId in snake_case, else method and path", () => {
    expect(snakeCase("getPetById")).toBe("get_pet_by_id");
    expect(snakeCase("HTTPStatusCheck")).toBe("http_status_check");
    expect(snakeCase("list-all.things")).toBe("list_all_things");
  });

  test("a large spec reports progress and every operation becomes a capability", () => {
    const paths: Record<string, unknown> = {};
    for (let i = 0; i < 120; i++)
      paths[`/things/${i}`] = {
        get: { operationId: `getThing${i}`, responses: { 200: { description: "ok" } } },
      };
    const progress: number[] = [];
    const result = convertSpec(
      { openapi: "3.0.0", info: { title: "Big" }, servers: [{ url: "https://big.example" }], paths },
      { onProgress: (done) => progress.push(done) },
    );
    expect(result.capabilities.length).toBe(120);
    expect(progress).toEqual([50, 100]);
  });
});
