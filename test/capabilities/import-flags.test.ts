import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { loadCapabilitySet } from "../../src/capabilities/capability-set.ts";
import { readCapabilityDirectory } from "../../src/capabilities/directory.ts";
import { executeCapability } from "../../src/capabilities/execute.ts";
import type { Capability } from "../../src/capabilities/load.ts";
import { runCli } from "../cli/run.ts";
import { tempDir } from "../helpers/gateway.ts";
import { ROOT } from "../helpers/paths.ts";
import { type StandIn, startStandIn } from "./stand-in.ts";

// `cap import`'s selection and auth flags, driven through the CLI as a user types them, against the fixture
// specs; the imported files are then called against a real local HTTP server (the stand-in API).
const FIXTURES = join(ROOT, "test", "fixtures", "openapi");
const CLINIC = join(FIXTURES, "pet-clinic.yaml");
const SPLIT = join(FIXTURES, "split-3.1.yaml");
let api: StandIn;
beforeAll(() => {
  api = startStandIn();
});
afterAll(() => api.stop());

function load(dir: string): Map<string, Capability> {
  const set = loadCapabilitySet([readCapabilityDirectory(dir).files]);
  expect(set.problems).toEqual([]);
  return set.capabilities;
}

async function call(capability: Capability | undefined, args: Record<string, unknown>, env = {}) {
  if (!capability) throw new Error("capability missing");
  const before = api.received.length;
  const result = await executeCapability(capability, args, { env });
  return { result, request: api.received[before] };
}

describe("cap import --auth-key / --auth-type", () => {
  test("--auth-key on a spec without security schemes is refused with how to apply it", async () => {
    const dir = tempDir();
    const run = await runCli(["cap", "import", SPLIT, "-o", dir, "--auth-key", "env:NOTES_TOKEN"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      '--auth-key env:NOTES_TOKEN: "Split Spec" declares no security scheme for these operations',
    );
    expect(run.stderr).toContain("--auth-type bearer|basic|header:NAME|query:NAME");
    expect(readdirSync(dir)).toEqual([]);
  });

  test("--auth-type header:NAME applies the key to every operation, sent to a real server", async () => {
    const dir = tempDir();
    const run = await runCli([
      "cap",
      "import",
      SPLIT,
      "-o",
      dir,
      "--auth-key",
      "env:NOTES_TOKEN",
      "--auth-type",
      "header:X-Notes-Key",
      "--base-url",
      new URL("/v9", api.url).href,
    ]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const caps = load(dir);
    expect(caps.get("get_note")?.definition.auth).toMatchObject({
      type: "api_key",
      key: "env:NOTES_TOKEN",
      header: "X-Notes-Key",
    });
    const { request } = await call(caps.get("get_note"), { id: "n1" }, { NOTES_TOKEN: "t-42" });
    expect(request?.target).toBe("/v9/notes/n1");
    expect(request?.headers["x-notes-key"]).toBe("t-42");
    // Without the variable the call is refused before any request, naming it.
    const missing = await call(caps.get("create_note"), { text: "x" });
    expect(missing.result.isError).toBe(true);
    expect(JSON.stringify(missing.result.content)).toContain("NOTES_TOKEN");
    expect(missing.request).toBeUndefined();
  });

  test("--auth-type bearer overrides the spec's own schemes", async () => {
    const dir = tempDir();
    const run = await runCli(
      ["cap", "import", CLINIC, "-o", dir, "--prefix", "c", "--auth-type", "bearer", "--auth-key", "env:K"],
      {},
    );
    expect(run.code).toBe(0);
    const auth = [...load(dir).values()].map((c) => c.definition.auth.type);
    expect(new Set(auth)).toEqual(new Set(["bearer"]));
  });

  test("a bad --auth-type, a secret as --auth-key and a relative --base-url are usage errors", async () => {
    const dir = tempDir();
    const bad = await runCli(["cap", "import", SPLIT, "-o", dir, "--auth-type", "cookie:sid"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--auth-type cookie:sid: expected bearer|basic|header:NAME|query:NAME");
    const secret = await runCli(["cap", "import", CLINIC, "-o", dir, "--auth-key", "sk_live_abc123"]);
    expect(secret.code).toBe(2);
    expect(secret.stderr).toContain("--auth-key must be a reference such as env:STRIPE_KEY");
    expect(secret.stderr).not.toContain("sk_live_abc123");
    const base = await runCli(["cap", "import", SPLIT, "-o", dir, "--base-url", "/api"]);
    expect(base.code).toBe(2);
    expect(base.stderr).toContain("--base-url /api: expected an absolute http(s) URL");
    expect(readdirSync(dir)).toEqual([]);
  });

  test("--auth-key on a secured spec is used by its schemes, as before", async () => {
    const dir = tempDir();
    const run = await runCli(["cap", "import", CLINIC, "-o", dir, "--prefix", "c", "--auth-key", "env:CK"]);
    expect(run.code).toBe(0);
    expect(load(dir).get("c_list_pets")?.definition.auth).toMatchObject({
      key: "env:CK",
      header: "X-Clinic-Key",
    });
  });
});

describe("cap import --tag / --path / --base-url", () => {
  test("--tag keeps only operations with that tag (repeatable, comma-separated, any case)", async () => {
    const dir = tempDir();
    const run = await runCli(["cap", "import", CLINIC, "-o", dir, "--prefix", "c", "--tag", "Visits,owners"]);
    expect(run.code).toBe(0);
    expect([...load(dir).keys()].sort()).toEqual([
      "c_book_visit",
      "c_get_owner",
      "c_list_pet_visits",
      "c_put_owners_by_owner_id_pets_by_pet_id",
      "c_search_owners",
    ]);
    const twice = tempDir();
    await runCli([
      "cap",
      "import",
      CLINIC,
      "-o",
      twice,
      "--prefix",
      "c",
      "--tag",
      "visits",
      "--tag",
      "owners",
    ]);
    expect(readdirSync(twice).sort()).toEqual(readdirSync(dir).sort());
  });

  test("--path takes globs: * within a segment, ** across; combined with --tag both must hold", async () => {
    const one = tempDir();
    expect(
      (await runCli(["cap", "import", CLINIC, "-o", one, "--prefix", "c", "--path", "/pets/*"])).code,
    ).toBe(0);
    // `/pets/{petId}` has get, put, patch and delete; `/pets/{petId}/photo` is a deeper segment.
    expect(readdirSync(one).sort()).toEqual([
      "c_delete_pet.yaml",
      "c_get_pet_by_id.yaml",
      "c_replace_pet.yaml",
      "c_update_pet_status.yaml",
    ]);
    const deep = tempDir();
    await runCli([
      "cap",
      "import",
      CLINIC,
      "-o",
      deep,
      "--prefix",
      "c",
      "--path",
      "/pets/**",
      "--tag",
      "visits",
    ]);
    expect(readdirSync(deep).sort()).toEqual(["c_book_visit.yaml", "c_list_pet_visits.yaml"]);
  });

  test("a filter that keeps nothing is an error naming the spec's tags, with a did-you-mean", async () => {
    const dir = tempDir();
    const run = await runCli(["cap", "import", CLINIC, "-o", dir, "--tag", "vists"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('no operation matches --tag vists (did you mean "visits"?)');
    expect(run.stderr).toContain("tags in the spec: pets, visits, owners");
    const path = await runCli(["cap", "import", CLINIC, "-o", dir, "--path", "/nothing/**"]);
    expect(path.code).toBe(2);
    expect(path.stderr).toContain("no operation matches --path /nothing/**");
  });

  test("--base-url replaces the spec's server: requests go to the given URL", async () => {
    const dir = tempDir();
    const base = new URL("/mirror/api/v2", api.url).href;
    const run = await runCli([
      "cap",
      "import",
      CLINIC,
      "-o",
      dir,
      "--prefix",
      "c",
      "--path",
      "/owners/*",
      "--base-url",
      base,
    ]);
    expect(run.code).toBe(0);
    const owner = load(dir).get("c_get_owner");
    expect(owner?.definition.providers.primary.config.base_url).toBe(base);
    const { request, result } = await call(owner, { ownerId: "7" }, { C_API_KEY: "k" });
    expect(result.isError).toBeFalsy();
    expect(`${request?.method} ${request?.target}`).toBe("GET /mirror/api/v2/owners/7");
  });
});
