import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { CapabilityBackend } from "../../src/capabilities/backend.ts";
import { withPin } from "../../src/capabilities/pin.ts";
import { log } from "../../src/log.ts";
import { connectHttp, startTestGateway, type TestGateway, tempDir } from "../helpers/gateway.ts";
import { type StandIn, startStandIn } from "./stand-in.ts";

let api: StandIn;
beforeAll(() => {
  api = startStandIn();
});
afterAll(() => api.stop());

function capabilityYaml(name: string, path = "/echo", description = `Echoes for ${name}.`): string {
  return `fulcrum: "1.0"
name: ${name}
description: ${description}
schema:
  input:
    type: object
    properties:
      q: { type: string }
providers:
  primary:
    service: rest
    config:
      base_url: ${api.url.origin}
      path: ${path}
      params: { q: "{q}" }
metadata:
  category: test
  tags: [echo]
`;
}

/** Resolves on the next tool-list change, or rejects after a deadline. */
function nextChange(backend: CapabilityBackend, deadlineMs = 5_000): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error("no tools-changed event"));
    }, deadlineMs);
    const off = backend.onToolsChanged(() => {
      clearTimeout(timer);
      off();
      resolve(backend.tools.map((t) => t.name).sort());
    });
  });
}

describe("CapabilityBackend", () => {
  const backends: CapabilityBackend[] = [];
  afterEach(async () => {
    await Promise.all(backends.splice(0).map((b) => b.stop()));
  });
  function make(dir: string, extra: Partial<ConstructorParameters<typeof CapabilityBackend>[0]> = {}) {
    const backend = new CapabilityBackend({
      builtin: false,
      directories: [dir],
      debounceMs: 50,
      log: log.withTag("caps-test"),
      ...extra,
    });
    backends.push(backend);
    return backend;
  }

  test("serves the built-in set with no directories and no config", async () => {
    const backend = new CapabilityBackend({ log: log.withTag("caps-test") });
    backends.push(backend);
    await backend.start();
    expect(backend.tools.length).toBeGreaterThanOrEqual(70);
    expect(backend.snapshot()).toMatchObject({
      name: "capabilities",
      transport: "rest",
      status: "running",
      lastError: undefined,
    });
  });

  test("a user file with a built-in's name replaces it", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "mine.yaml"), capabilityYaml("weather_forecast", "/mine", "My own forecast."));
    const backend = make(dir, { builtin: true });
    await backend.start();
    expect(backend.tools.find((t) => t.name === "weather_forecast")?.description).toBe("My own forecast.");
  });

  test("hot reload: a new, changed and deleted file takes effect without restart", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "a.yaml"), capabilityYaml("cap_a"));
    const backend = make(dir);
    await backend.start();
    expect(backend.tools.map((t) => t.name)).toEqual(["cap_a"]);

    let changed = nextChange(backend);
    mkdirSync(join(dir, "sub"));
    writeFileSync(join(dir, "sub", "b.yml"), capabilityYaml("cap_b"));
    expect(await changed).toEqual(["cap_a", "cap_b"]);

    changed = nextChange(backend);
    writeFileSync(join(dir, "a.yaml"), capabilityYaml("cap_a", "/echo", "Changed text."));
    await changed;
    expect(backend.tools.find((t) => t.name === "cap_a")?.description).toBe("Changed text.");

    changed = nextChange(backend);
    rmSync(join(dir, "a.yaml"));
    expect(await changed).toEqual(["cap_b"]);
  });

  test("a broken file is reported with path and line and skipped; the rest keep serving", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "good.yaml"), capabilityYaml("good_one"));
    const backend = make(dir);
    await backend.start();
    const changed = nextChange(backend);
    writeFileSync(
      join(dir, "bad.yaml"),
      capabilityYaml("bad_one").replace("    service: rest", "    servce: rest"),
    );
    writeFileSync(join(dir, "new.yaml"), capabilityYaml("new_one"));
    expect(await changed).toEqual(["good_one", "new_one"]);
    expect(backend.problems).toEqual([
      `${join(dir, "bad.yaml")}:11:5: unknown key "servce" in providers.primary (did you mean "service"?)`,
    ]);
    expect(backend.snapshot().lastError).toContain("bad.yaml:11:5");
    api.respond(() => Response.json({ fine: true }));
    const result = (await backend.callTool("good_one", { q: "x" })) as { content: { text: string }[] };
    expect(result.content[0]?.text).toBe('{"fine":true}');
  });

  test("pin + tamper: a changed pinned file is quarantined until re-pinned", async () => {
    const dir = tempDir();
    const file = join(dir, "pinned.yaml");
    writeFileSync(file, withPin(capabilityYaml("pinned_cap")));
    const backend = make(dir);
    await backend.start();
    expect(backend.loaded.get("pinned_cap")?.pinned).toBe(true);

    let changed = nextChange(backend);
    writeFileSync(file, readFileSync(file, "utf8").replace("/echo", "/exfiltrate"));
    expect(await changed).toEqual([]);
    expect(backend.problems[0]).toMatch(/pinned\.yaml:1:9: content does not match its sha256 pin/);

    changed = nextChange(backend);
    writeFileSync(file, withPin(readFileSync(file, "utf8")));
    expect(await changed).toEqual(["pinned_cap"]);
    expect(backend.problems).toEqual([]);
  });

  test("two user files with one name: the second is skipped with a reason", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "1.yaml"), capabilityYaml("same"));
    writeFileSync(join(dir, "2.yaml"), capabilityYaml("same"));
    const backend = make(dir);
    await backend.start();
    expect(backend.tools.length).toBe(1);
    expect(backend.problems[0]).toBe(
      `${join(dir, "2.yaml")}:1:1: name "same" is already used by ${join(dir, "1.yaml")}; this file is skipped`,
    );
  });

  test("calling an unknown capability throws TOOL_NOT_FOUND", async () => {
    const backend = make(tempDir());
    await backend.start();
    await expect(backend.callTool("nope", {})).rejects.toMatchObject({ code: "TOOL_NOT_FOUND" });
  });
});

describe("capabilities through the gateway's meta-tools", () => {
  let gw: TestGateway;
  let client: Client;
  let dir: string;
  beforeAll(async () => {
    dir = tempDir();
    writeFileSync(
      join(dir, "lookup.yaml"),
      capabilityYaml("stand_in_lookup", "/lookup/{q}", "Looks up a zebra record in the stand-in API."),
    );
    gw = await startTestGateway(`capabilities:\n  name: rest\n  builtin: true\n  directories: ["${dir}"]\n`);
    client = await connectHttp(gw.mcpUrl);
  });
  afterAll(async () => {
    await client.close();
    await gw.stop();
  });

  const call = async (name: string, args: Record<string, unknown>) =>
    (await client.callTool({ name, arguments: args })) as { content: { text: string }[]; isError?: boolean };

  test("appear as one backend in gateway_list_servers", async () => {
    const { servers } = JSON.parse((await call("gateway_list_servers", {})).content[0]?.text ?? "") as {
      servers: { name: string; transport: string; status: string; tools: number }[];
    };
    const rest = servers.find((s) => s.name === "rest");
    expect(rest).toMatchObject({ transport: "rest", status: "running" });
    expect(rest?.tools).toBeGreaterThanOrEqual(71);
  });

  test("are found by search and run by invoke", async () => {
    const found = JSON.parse(
      (await call("gateway_search_tools", { query: "zebra record" })).content[0]?.text ?? "",
    ) as {
      matches: { server: string; tool: string }[];
    };
    expect(found.matches[0]).toMatchObject({ server: "rest", tool: "stand_in_lookup" });
    api.respond(() => Response.json({ zebra: "found" }));
    const before = api.received.length;
    const result = await call("gateway_invoke", {
      server: "rest",
      tool: "stand_in_lookup",
      arguments: { q: "z 1" },
    });
    expect(result.isError).toBeFalsy();
    expect(result.content[0]?.text).toBe('{"zebra":"found"}');
    expect(api.received[before]?.target).toBe("/lookup/z%201?q=z+1");
  });

  test("bad arguments and API errors come back as isError", async () => {
    const before = api.received.length;
    const bad = await call("gateway_invoke", {
      server: "rest",
      tool: "stand_in_lookup",
      arguments: { q: { a: 1 } },
    });
    expect(bad.isError).toBe(true);
    expect(bad.content[0]?.text).toBe("stand_in_lookup: invalid arguments: q: expected string, got object");
    expect(api.received.length).toBe(before);
    api.respond(() => new Response("rate limited", { status: 429 }));
    const limited = await call("gateway_invoke", {
      server: "rest",
      tool: "stand_in_lookup",
      arguments: { q: "a" },
    });
    expect(limited.isError).toBe(true);
    expect(limited.content[0]?.text).toContain("answered HTTP 429 Too Many Requests: rate limited");
  });
});
