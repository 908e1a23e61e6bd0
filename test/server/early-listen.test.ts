import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { expandString } from "../../src/config/interpolate.ts";
import { defaultConfigCandidates } from "../../src/config/paths.ts";
import { resolveSettings } from "../../src/config/resolve.ts";
import {
  EarlyListener,
  earlyServe,
  expand,
  guessListenAddress,
  scanServerSection,
} from "../../src/server/early-listen.ts";
import { tempDir } from "../helpers/gateway.ts";
import { BUN, ENTRY } from "../helpers/paths.ts";
import { childEnv, waitFor } from "../helpers/process.ts";

/** The guess and what the validated config says, for one config text, argv and environment. */
function both(
  yaml: string | undefined,
  argv: string[] = [],
  env: Record<string, string> = {},
): {
  guess: ReturnType<typeof guessListenAddress>;
  actual: { host: string; port: number; maxBodySize: number };
} {
  const dir = tempDir();
  const fullEnv = { HOME: dir, ...env };
  if (yaml !== undefined) writeFileSync(join(dir, "gateway.yaml"), yaml);
  const guess = guessListenAddress(argv, { env: fullEnv, cwd: dir });
  const flag = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
  };
  const { config } = resolveSettings(
    { port: flag("--port"), host: flag("--host"), config: flag("--config") },
    { env: fullEnv, cwd: dir },
  );
  const s = config.server;
  return { guess, actual: { host: s.host, port: s.port, maxBodySize: s.max_body_size } };
}

describe("guessListenAddress", () => {
  test("agrees with the validated config for the shapes people write", () => {
    const cases: Array<[string | undefined, string[], Record<string, string>]> = [
      [undefined, [], {}],
      ["backends: {}\n", [], {}],
      ["server:\n  port: 8123\n  host: 0.0.0.0 # all\n", [], {}],
      [
        "# c\nserver:\n    max_body_size: 1000\n    allowed_origins:\n      - http://x\n    port: 9\n",
        [],
        {},
      ],
      ["server:\n  port: 7001\n  host: '${GW_HOST:-127.0.0.1}'\n", [], {}],
      ["server:\n  host: ${GW_HOST}\n", [], { GW_HOST: "0.0.0.0" }],
      ["port: 7003\n", [], {}],
      ["server:\n  port: 8123\n", ["--port", "8124"], {}],
      ["server:\n  port: 8123\n", [], { MCP_GATEWAY_PORT: "8125", MCP_GATEWAY_HOST: "::1" }],
      ["server:\n  port: 8123\n", ["serve", "--port=8126", "--host", "localhost"], {}],
    ];
    for (const [yaml, argv, env] of cases) {
      const { guess, actual } = both(yaml, argv, env);
      expect(guess).toEqual(actual);
    }
  });

  test("declines what it cannot read, other commands, --stdio and help", () => {
    const guess = (yaml: string | undefined, argv: string[] = []): unknown => {
      const dir = tempDir();
      if (yaml !== undefined) writeFileSync(join(dir, "gateway.yaml"), yaml);
      return guessListenAddress(argv, { env: { HOME: dir }, cwd: dir });
    };
    expect(guess("server: { port: 8123 }\n")).toBeUndefined();
    expect(guess("server:\n  port: 0x1f\n")).toBeUndefined();
    expect(guess("server:\n  host: ${UNSET_HOST_VAR}\n")).toBeUndefined();
    // Only a plain integer is a port: quoted or ${VAR} values fail validation, so no early start either.
    expect(guess("server:\n  port: '8123'\n")).toBeUndefined();
    expect(guess("server:\n  port: ${GW_PORT:-8123}\n")).toBeUndefined();
    expect(guess(undefined, ["--config", "/nonexistent/gateway.yaml"])).toBeUndefined();
    for (const argv of [["doctor"], ["--stdio"], ["--help"], ["--version"], ["--prot", "1"], ["--port"]]) {
      expect(guess(undefined, argv)).toBeUndefined();
    }
  });

  test("flags before an explicit serve do not reach it, as in citty", () => {
    const env = { HOME: tempDir() };
    expect(guessListenAddress(["--port", "5", "serve"], { env, cwd: env.HOME })?.port).toBe(39400);
  });

  test("scanServerSection reads quoted values and ignores nested ones", () => {
    expect(scanServerSection('server:\n  host: "::1"\n  tls:\n    port: 1\n  port: 2 # two\n')).toEqual({
      host: "::1",
      port: "2",
    });
  });
});

describe("EarlyListener", () => {
  test("answers /health as starting and holds other requests until the routes take over", async () => {
    const listener = new EarlyListener({ host: "127.0.0.1", port: 0, maxBodySize: 1024 });
    const base = `http://127.0.0.1:${listener.port}`;
    try {
      const early = await fetch(`${base}/health/`);
      expect(early.status).toBe(200);
      expect(((await early.json()) as { status: string; backends: object }).status).toBe("starting");
      let answered = false;
      const waiting = fetch(`${base}/mcp`, { method: "POST", body: "{}" }).then(async (r) => {
        answered = true;
        return r.text();
      });
      await fetch(`${base}/health`);
      expect(answered).toBe(false);
      listener.takeOver({
        fetch: (request) => new Response(`routes: ${new URL(request.url).pathname}`),
        error: () => new Response("error", { status: 500 }),
      });
      expect(await waiting).toBe("routes: /mcp");
      expect(await (await fetch(`${base}/health`)).text()).toBe("routes: /health");
    } finally {
      listener.abandon();
    }
  });

  test("answers 503 to waiting requests when the start is abandoned", async () => {
    const listener = new EarlyListener({ host: "127.0.0.1", port: 0, maxBodySize: 1024 });
    const waiting = fetch(`http://127.0.0.1:${listener.port}/metrics`);
    await Bun.sleep(0);
    await fetch(`http://127.0.0.1:${listener.port}/health`);
    listener.abandon();
    expect((await waiting).status).toBe(503);
  });

  test("serves() compares host, port and body size with the validated config", () => {
    const listener = new EarlyListener({ host: "127.0.0.1", port: 0, maxBodySize: 1024 });
    try {
      expect(listener.serves({ host: "127.0.0.1", port: 0, max_body_size: 1024 })).toBe(true);
      expect(listener.serves({ host: "127.0.0.1", port: 0, max_body_size: 2048 })).toBe(false);
      expect(listener.serves({ host: "0.0.0.0", port: 0, max_body_size: 1024 })).toBe(false);
    } finally {
      listener.abandon();
    }
  });
});

describe("gateway process", () => {
  test("answers /health while starting and /mcp once ready, on the port the config names", async () => {
    const dir = tempDir();
    const probe = Bun.serve({ port: 0, fetch: () => new Response() });
    const port = probe.port as number;
    await probe.stop(true);
    writeFileSync(join(dir, "gateway.yaml"), `server:\n  port: ${port}\nbackends: {}\n`);
    const proc = Bun.spawn([BUN, ENTRY, "serve", "--config", join(dir, "gateway.yaml")], {
      stdout: "ignore",
      stderr: "pipe",
      env: childEnv(),
    });
    try {
      const statuses = new Set<string>();
      await waitFor("/health ok", async () => {
        const res = await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined);
        if (!res) return undefined;
        const body = (await res.json()) as { status: string; version: string };
        expect(res.status).toBe(200);
        expect(body.version).toBeString();
        statuses.add(body.status);
        return body.status === "ok" ? true : undefined;
      });
      expect([...statuses].every((s) => s === "starting" || s === "ok")).toBe(true);
      const res = await fetch(`http://127.0.0.1:${port}/mcp`, { method: "GET" });
      expect(res.status).toBe(400);
    } finally {
      proc.kill("SIGTERM");
      expect(await proc.exited).toBe(0);
    }
  });
});

describe("early start stays in step with the real config code", () => {
  test("expands ${VAR} references exactly as the config loader does", () => {
    const env = { A: "1", EMPTY: "" };
    for (const text of [
      "${A}",
      "x${A}y",
      "${B:-2}",
      "${EMPTY:-d}",
      "${EMPTY}",
      "$${A}",
      "${A}${B:-z}",
      "plain",
    ]) {
      const missing: string[] = [];
      const loader = expandString(text, env, (v) => missing.push(v));
      expect(expand(text, env)).toBe(missing.length > 0 ? undefined : loader);
    }
    expect(expand("${NOPE}", env)).toBeUndefined();
  });

  test("tries the same config files, in the same order, as locateConfig", () => {
    const serve = earlyServe(["serve"], { env: { HOME: "/home/u" }, cwd: "/work" });
    expect(serve?.candidates).toEqual(defaultConfigCandidates({ cwd: "/work", home: "/home/u" }));
  });
});
