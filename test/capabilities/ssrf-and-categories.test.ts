import { afterAll, beforeEach, describe, expect, test } from "bun:test";
import { createConsola } from "consola";
import { CapabilityBackend } from "../../src/capabilities/backend.ts";
import { BUILTIN_CATEGORIES } from "../../src/capabilities/builtin-categories.ts";
import { BUILTIN_DIR, builtinCategories } from "../../src/capabilities/builtin-generate.ts";
import { listCapabilityFiles } from "../../src/capabilities/directory.ts";
import { executeCapability, writtenHost } from "../../src/capabilities/execute.ts";
import { type Capability, parseCapability } from "../../src/capabilities/load.ts";
import { parseConfig } from "../../src/config/load.ts";
import { type StandIn, startStandIn } from "./stand-in.ts";

const quiet = createConsola({ level: -999 });

// One stand-in API for the file; each test starts from a clean record and a plain 200 answer.
const api: StandIn = startStandIn();
afterAll(() => api.stop());
beforeEach(() => {
  api.received.splice(0);
  api.respond(() => Response.json({ ok: true }));
});

function capability(body: string): Capability {
  const text = ['fulcrum: "1.0"', body.replaceAll("PORT", api.url.port)].join("\n");
  const parsed = parseCapability(text, { source: "test.yaml" });
  if (parsed.ok) return parsed.capability;
  throw new Error(parsed.problems.join("\n"));
}

const WRITTEN = `name: written
description: Reads from a base URL written in the file.
providers:
  primary:
    config:
      base_url: http://127.0.0.1:PORT
      path: /items
`;

const FROM_ARGUMENT = `name: any_host
description: Reads from a host the caller names.
schema:
  input:
    type: object
    properties: { host: { type: string } }
    required: [host]
providers:
  primary:
    config:
      base_url: "http://{host}:PORT"
      path: /items
`;

function text(result: { content: unknown[] }): string {
  return (result.content[0] as { text: string }).text;
}

describe("SSRF guard on REST capabilities", () => {
  test("a base URL written in the file is reached as written (loopback here)", async () => {
    const result = await executeCapability(capability(WRITTEN), {}, { env: {} });
    expect(result.isError).toBeFalsy();
    expect(api.received).toHaveLength(1);
  });

  test("its redirect to the cloud metadata address is refused, not retried, and named", async () => {
    api.respond(
      () => new Response(null, { status: 302, headers: { location: "http://169.254.169.254/latest/" } }),
    );
    const result = await executeCapability(capability(WRITTEN), {}, { env: {} });
    expect(result.isError).toBe(true);
    expect(text(result)).toContain("written: the gateway's firewall refused http://169.254.169.254/latest/");
    expect(text(result)).toContain("link-local address (reached by a redirect");
    expect(api.received).toHaveLength(1);
  });

  test("a host made from the call's arguments is resolved and refused when internal", async () => {
    for (const host of ["127.0.0.1", "localhost", "2130706433"]) {
      const result = await executeCapability(capability(FROM_ARGUMENT), { host }, { env: {} });
      expect(result.isError).toBe(true);
      expect(text(result)).toContain("loopback address (reached by the call's arguments");
    }
    expect(api.received).toEqual([]);
  });

  test("allow_private_networks (and policy off) let it through", async () => {
    const cap = capability(FROM_ARGUMENT);
    const open = await executeCapability(
      cap,
      { host: "127.0.0.1" },
      { env: {}, ssrf: { policy: "block", allowPrivateNetworks: true, allowHosts: [] } },
    );
    const off = await executeCapability(
      cap,
      { host: "localhost" },
      { env: {}, ssrf: { policy: "off", allowPrivateNetworks: false, allowHosts: [] } },
    );
    expect([open.isError, off.isError]).toEqual([undefined, undefined]);
    expect(api.received).toHaveLength(2);
  });

  test.each([
    ["https://api.example.com/x", "https://api.example.com/x", "https://api.example.com/y", true],
    ["https://api.example.com/x", "https://api.example.com/x", "https://api.example.com:8443/", false],
    ["https://{env.API_HOST}/x", "https://10.0.0.2/x", "https://10.0.0.2/z", true],
    ["https://{lang}.wikipedia.org/w", "https://en.wikipedia.org/w", "https://de.wikipedia.org/", true],
    ["https://{lang}.wikipedia.org/w", "https://en.wikipedia.org/w", "https://wikipedia.org.evil/", false],
    ["https://{host}/w", "https://a.example/w", "https://a.example/w", false],
    ["https://api.{tld}/w", "https://api.example/w", "https://api.example/w", false],
  ])("template %s (filled %s): %s counts as written: %p", (base, filled, hop, written) => {
    const provider = capability(
      `name: t\ndescription: t\nproviders:\n  primary:\n    config:\n      endpoint: "${base}"\n`,
    ).definition.providers.primary;
    expect(writtenHost(provider, new URL(filled))(new URL(hop))).toBe(written);
  });
});

describe("built-in capabilities per category", () => {
  test("the category list is the folders of capabilities/", () => {
    expect(builtinCategories()).toEqual([...BUILTIN_CATEGORIES]);
  });

  test("builtin: [finance, geo] serves exactly those folders' capabilities", async () => {
    const backend = new CapabilityBackend({ builtin: ["finance", "geo"], watch: false, log: quiet });
    await backend.start();
    const expected = ["finance", "geo"].flatMap((c) => listCapabilityFiles(`${BUILTIN_DIR}/${c}`)).length;
    expect(backend.tools.length).toBe(expected);
    expect(expected).toBeGreaterThan(5);
    const categories = new Set([...backend.loaded.values()].map((c) => c.definition.metadata.category));
    expect([...categories].sort()).toEqual(["finance", "geo"]);
    await backend.stop();
  });

  test("builtin: [] and false serve none; true serves all 109", async () => {
    for (const [builtin, count] of [
      [[], 0],
      [false, 0],
      [true, listCapabilityFiles(BUILTIN_DIR).length],
    ] as const) {
      const backend = new CapabilityBackend({ builtin, watch: false, log: quiet });
      await backend.start();
      expect(backend.tools.length).toBe(count);
      await backend.stop();
    }
  });

  test("the config takes a list of categories and refuses an unknown one, naming the choices", () => {
    const { config } = parseConfig("capabilities: { builtin: [finance, news] }\n", { file: "g.yaml" });
    expect(config.capabilities.builtin).toEqual(["finance", "news"]);
    expect(() => parseConfig("capabilities:\n  builtin: [finanse]\n", { file: "g.yaml" })).toThrow(
      /g\.yaml:2:\d+.*finance/s,
    );
  });
});
