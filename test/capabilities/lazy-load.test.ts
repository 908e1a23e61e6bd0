import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { LogObject } from "consola";
import { createConsola } from "consola/core";
import { CapabilityBackend } from "../../src/capabilities/backend.ts";
import { tempDir } from "../helpers/gateway.ts";
import { type StandIn, startStandIn } from "./stand-in.ts";

const SRC = join(import.meta.dir, "../../src");
const BACKEND = join(SRC, "capabilities/backend.ts");

/** What parsing and calling a capability need; the backend's static imports must reach none of it. */
const HEAVY = [/src\/capabilities\/(load|schema|execute|request|auth)\.ts$/, /node_modules\/yaml\//];

type Inputs = Record<string, { imports: { path: string; kind: string; entryPoint?: string }[] }>;

/** The modules `entry` reaches, following static imports only or every import. */
async function graph(entry: string, follow: "static" | "all"): Promise<string[]> {
  const result = await Bun.build({
    entrypoints: [entry],
    target: "bun",
    splitting: true,
    metafile: true,
    throw: false,
  } as Parameters<typeof Bun.build>[0] & { metafile: true; throw: false });
  if (!result.success) throw new Error(result.logs.map(String).join("\n"));
  const inputs = (result as unknown as { metafile: { inputs: Inputs } }).metafile.inputs;
  const seen = new Set<string>();
  const todo = Object.keys(inputs).filter((k) => k.endsWith("src/capabilities/backend.ts"));
  while (todo.length > 0) {
    const file = todo.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const i of inputs[file]?.imports ?? []) {
      // A dynamic import names its chunk; the module it loads is its entryPoint.
      const target = i.kind === "dynamic-import" ? (follow === "all" ? i.entryPoint : undefined) : i.path;
      if (target !== undefined && inputs[target]) todo.push(target);
    }
  }
  return [...seen];
}

/** Runs `body` in a fresh bun process (nothing loaded yet) and returns what it printed as JSON. */
async function fresh(body: string): Promise<Record<string, unknown>> {
  const file = join(tempDir(), "probe.ts");
  writeFileSync(
    file,
    `import { createConsola } from "consola/core";
const { CapabilityBackend } = await import(${JSON.stringify(BACKEND)});
const log = createConsola({ level: 3, reporters: [{ log: (e) => lines.push(String(e.args[0])) }] });
const lines = [];
const HEAVY = [${HEAVY.map(String).join(", ")}];
const heavy = () => Object.keys(require.cache).filter((k) => HEAVY.some((h) => h.test(k))).map((k) => k.replace(/^.*?\\/(src|node_modules)\\//, "")).sort();
const out = {};
${body}
console.log(JSON.stringify(out));
`,
  );
  const proc = Bun.spawn([process.execPath, file], { stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  if (code !== 0) throw new Error(`probe exited ${code}: ${stderr}`);
  return JSON.parse(stdout) as Record<string, unknown>;
}

function capabilityYaml(name: string, origin: string, extra = ""): string {
  return `fulcrum: "1.0"
name: ${name}
description: Echoes for ${name}.
schema:
  input:
    type: object
    properties:
      q: { type: string }
providers:
  primary:
    service: rest
    config:
      base_url: ${origin}
      path: /echo
      params: { q: "{q}" }
${extra}`;
}

let api: StandIn;
beforeAll(() => {
  api = startStandIn();
});
afterAll(() => api.stop());

describe("the capability backend loads parsing and calling only when it needs them", () => {
  test("its static imports reach neither the parser, the schemas, the executor nor yaml", async () => {
    const reached = await graph(BACKEND, "static");
    expect(reached.some((f) => f.endsWith("src/capabilities/backend.ts"))).toBe(true);
    expect(reached.filter((f) => HEAVY.some((h) => h.test(f)))).toEqual([]);
    // The walk sees them when it follows dynamic imports too: the check above can fail.
    const all = await graph(BACKEND, "all");
    for (const h of HEAVY) expect(all.some((f) => h.test(f))).toBe(true);
  });

  test("no built-ins and no directories: starts with 0 tools and loads none of it", async () => {
    const out = await fresh(`
const backend = new CapabilityBackend({ builtin: false, directories: [], log });
await backend.start();
out.tools = backend.tools.length;
out.status = backend.snapshot().status;
await backend.refreshTools();
out.afterRefresh = backend.tools.length;
out.heavy = heavy();
out.lines = lines;
await backend.stop();
`);
    expect(out).toEqual({
      tools: 0,
      status: "running",
      afterRefresh: 0,
      heavy: [],
      lines: ["0 capabilities loaded (0 built in, 0 directories)"],
    });
  });

  test("a directory: the parser loads at start, the executor at the first call", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "a.yaml"), capabilityYaml("cap_a", api.url.origin));
    api.respond(() => Response.json({ lazy: true }));
    const out = await fresh(`
const backend = new CapabilityBackend({ builtin: false, directories: [${JSON.stringify(dir)}], watch: false, log });
await backend.start();
out.tools = backend.tools.map((t) => t.name);
out.atStart = heavy();
const result = await backend.callTool("cap_a", { q: "x" });
out.text = result.content[0].text;
out.afterCall = heavy();
await backend.stop();
`);
    expect(out.tools).toEqual(["cap_a"]);
    expect(out.atStart).toContain("capabilities/load.ts");
    expect(out.atStart).toContain("capabilities/schema.ts");
    expect(out.atStart).not.toContain("capabilities/execute.ts");
    expect(out.text).toBe('{"lazy":true}');
    expect(out.afterCall).toContain("capabilities/execute.ts");
    expect(out.afterCall).toContain("capabilities/request.ts");
  });

  test("reloads queue: concurrent refreshes warn once, in order, and change the list once", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "a.yaml"), capabilityYaml("cap_a", api.url.origin));
    const lines: string[] = [];
    const log = createConsola({
      level: 3,
      reporters: [{ log: (e: LogObject) => lines.push(`${e.type}: ${String(e.args[0])}`) }],
    });
    const backend = new CapabilityBackend({ builtin: false, directories: [dir], watch: false, log });
    await backend.start();
    let changes = 0;
    backend.onToolsChanged(() => changes++);
    writeFileSync(join(dir, "b.yaml"), capabilityYaml("cap_b", api.url.origin));
    writeFileSync(
      join(dir, "c.yaml"),
      capabilityYaml("cap_c", api.url.origin).replace("service:", "servce:"),
    );
    await Promise.all([backend.refreshTools(), backend.refreshTools(), backend.refreshTools()]);
    expect(backend.tools.map((t) => t.name).sort()).toEqual(["cap_a", "cap_b"]);
    expect(changes).toBe(1);
    expect(lines).toEqual([
      "info: 1 capabilities loaded (0 built in, 1 directories)",
      `warn: skipped: ${join(dir, "c.yaml")}:11:5: unknown key "servce" in providers.primary (did you mean "service"?)`,
      "info: capabilities reloaded: 2 tools, added cap_b",
    ]);
    await backend.stop();
  });
});
