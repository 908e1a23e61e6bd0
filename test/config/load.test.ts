import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { expandString } from "../../src/config/interpolate.ts";
import { loadConfigFile, parseConfig, unresolvedVariables } from "../../src/config/load.ts";
import { locateConfig } from "../../src/config/paths.ts";
import { MAX_CONFIG_BYTES, readConfigText } from "../../src/config/read.ts";
import { resolveSettings } from "../../src/config/resolve.ts";
import { parseDuration } from "../../src/duration.ts";
import { GatewayError } from "../../src/errors.ts";
import { runCli } from "../cli/run.ts";

function failure(yaml: string, env: Record<string, string> = {}): string {
  try {
    parseConfig(yaml, { file: "gw.yaml", env });
  } catch (err) {
    expect(err).toBeInstanceOf(GatewayError);
    expect((err as GatewayError).code).toBe("CONFIG_INVALID");
    return (err as Error).message;
  }
  throw new Error("expected the config to be rejected");
}

describe("parseConfig", () => {
  test("fills every default for an empty file", () => {
    const { config } = parseConfig("", { file: "gw.yaml" });
    expect(config.server).toMatchObject({ host: "127.0.0.1", port: 39400, request_timeout: 30_000 });
    expect(config.meta_mcp).toEqual({ enabled: true, cache_tools: true, cache_ttl: 300_000, surfaced: [] });
    expect(config.backends).toEqual({});
  });

  test("reads a full backend entry with durations in ms", () => {
    const { config } = parseConfig(
      `backends:
  gh:
    command: "npx -y @scope/server --flag"
    args: [--extra]
    description: "GitHub"
    timeout: 1500ms
    env: { TOKEN: "abc" }
    cwd: /tmp
`,
      { file: "gw.yaml" },
    );
    expect(config.backends.gh).toMatchObject({
      command: "npx -y @scope/server --flag",
      args: ["--extra"],
      timeout: 1500,
      env: { TOKEN: "abc" },
      enabled: true,
    });
  });

  test("an unknown key names itself, its line:col and the closest key", () => {
    const message = failure("server:\n  host: 127.0.0.1\n  prot: 8080\n");
    expect(message).toContain("gw.yaml:3:3");
    expect(message).toContain('unknown key "prot"');
    expect(message).toContain('did you mean "port"');
  });

  test("an unknown key inside a backend is found at its own line", () => {
    const message = failure("backends:\n  a:\n    command: x\n    descripton: y\n");
    expect(message).toContain("gw.yaml:4:5");
    expect(message).toContain('did you mean "description"');
  });

  test("a wrong type points at the value", () => {
    const message = failure("server:\n  port: lots\n");
    expect(message).toContain("gw.yaml:2:9");
    expect(message).toContain("server.port");
  });

  test("a bad duration says how to write one", () => {
    expect(failure("server:\n  request_timeout: soon\n")).toContain("use e.g. 100ms, 30s");
  });

  test("a backend needs exactly one of command and http_url", () => {
    expect(failure("backends:\n  a:\n    description: nothing to run\n")).toContain("needs either command");
    expect(failure("backends:\n  a:\n    command: x\n    http_url: http://localhost/mcp\n")).toContain(
      "has both",
    );
  });

  test("reports every problem at once", () => {
    const message = failure("server:\n  prot: 1\nbackends:\n  a: { comand: x }\n");
    expect(message).toContain("problems");
    expect(message).toContain('"prot"');
    expect(message).toContain('"comand"');
  });

  test("YAML syntax errors carry line:col", () => {
    expect(failure("server:\n  port: [1, 2\n")).toMatch(/gw\.yaml:\d+:\d+/);
  });

  test("an unterminated quote is reported at the line it opens, not at the end of the file", () => {
    const text =
      "# a \"comment\nserver:\n  host: \"127.0.0.1\n  port: 39400\nbackends:\n  a:\n    command: 'it''s'\n";
    expect(failure(text)).toContain('gw.yaml:3:9: Missing closing "quote');
  });

  test("expands ${VAR} and ${VAR:-default} in every string", () => {
    const { config } = parseConfig(
      'backends:\n  a:\n    command: "${BIN}/server"\n    env: { K: "${KEY}", D: "${MISSING:-fallback}" }\n',
      { file: "gw.yaml", env: { BIN: "/opt", KEY: "secret" } },
    );
    expect(config.backends.a?.command).toBe("/opt/server");
    expect(config.backends.a?.env).toEqual({ K: "secret", D: "fallback" });
  });

  test("a missing variable without default names the path and the variable", () => {
    const message = failure('server:\n  host: "${GW_HOST}"\nbackends: {}\n');
    expect(message).toContain("server.host");
    expect(message).toContain("GW_HOST is not set");
    expect(message).toContain("gw.yaml:2:9");
  });

  test("a missing variable inside a backend marks that backend instead of refusing the config", () => {
    const { config, warnings } = parseConfig(
      'backends:\n  a:\n    command: x\n    env: { TOKEN: "${GH_TOKEN}" }\n  b:\n    command: y\n',
      { file: "gw.yaml", env: {} },
    );
    expect(unresolvedVariables(config.backends.a ?? ({} as never))).toEqual(["GH_TOKEN"]);
    expect(unresolvedVariables(config.backends.b ?? ({} as never))).toBeUndefined();
    expect(warnings).toEqual(['backend "a" is not started: ${GH_TOKEN} is not set']);
    // A real problem in that backend is still an error.
    expect(failure('backends:\n  a:\n    command: x\n    colour: "${GH_TOKEN}"\n')).toContain(
      'unknown key "colour"',
    );
  });

  test("accepts the earlier edition's flat keys with a warning", () => {
    const { config, warnings } = parseConfig("port: 1234\nhost: 0.0.0.0\nenable_meta_mcp: false\n", {
      file: "gw.yaml",
    });
    expect(config.server.port).toBe(1234);
    expect(config.server.host).toBe("0.0.0.0");
    expect(config.meta_mcp.enabled).toBe(false);
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toContain("server.port");
  });
});

describe("durations", () => {
  test("parses units and plain seconds", () => {
    expect(parseDuration("100ms")).toBe(100);
    expect(parseDuration("30s")).toBe(30_000);
    expect(parseDuration("5m")).toBe(300_000);
    expect(parseDuration("1h")).toBe(3_600_000);
    expect(parseDuration(2)).toBe(2000);
    expect(parseDuration("1.5s")).toBe(1500);
    expect(parseDuration("10 parsecs")).toBeUndefined();
    expect(parseDuration(-1)).toBeUndefined();
  });
});

describe("expandString", () => {
  test("keeps $${ literal and treats an empty variable as set", () => {
    const missing: string[] = [];
    expect(expandString("$${X} ${E}", { E: "" }, (v) => missing.push(v))).toBe("${X} ");
    expect(missing).toEqual([]);
  });
});

describe("locateConfig", () => {
  test("prefers --config, then MCP_GATEWAY_CONFIG, then the first default that exists", () => {
    const exists = (p: string): boolean => p === "/home/u/.config/mcp-gateway/gateway.yaml";
    expect(locateConfig({ flag: "a.yaml", cwd: "/w", env: { MCP_GATEWAY_CONFIG: "b.yaml" } }).path).toBe(
      "/w/a.yaml",
    );
    expect(locateConfig({ cwd: "/w", env: { MCP_GATEWAY_CONFIG: "b.yaml" } }).path).toBe("/w/b.yaml");
    const found = locateConfig({ cwd: "/w", env: {}, home: "/home/u", exists });
    expect(found.path).toBe("/home/u/.config/mcp-gateway/gateway.yaml");
    expect(found.searched).toEqual([
      "/w/gateway.yaml",
      "/w/servers.yaml",
      "/home/u/.config/mcp-gateway/gateway.yaml",
      "/etc/mcp-gateway/gateway.yaml",
    ]);
    expect(locateConfig({ cwd: "/w", env: {}, home: "/h", exists: () => false }).path).toBeUndefined();
  });
});

describe("resolveSettings", () => {
  test("flags beat MCP_GATEWAY_* which beat the file", () => {
    const dir = `${import.meta.dir}/../fixtures`;
    const env = {
      MCP_GATEWAY_CONFIG: "",
      MCP_GATEWAY_PORT: "5000",
      MCP_GATEWAY_HOST: "::1",
      HOME: "/nonexistent",
    };
    const fromEnv = resolveSettings({}, { env, cwd: dir });
    expect(fromEnv.config.server.port).toBe(5000);
    expect(fromEnv.config.server.host).toBe("::1");
    const fromFlags = resolveSettings({ port: "6000", host: "127.0.0.2", metaMcp: false }, { env, cwd: dir });
    expect(fromFlags.config.server.port).toBe(6000);
    expect(fromFlags.config.server.host).toBe("127.0.0.2");
    expect(fromFlags.config.meta_mcp.enabled).toBe(false);
  });

  test("rejects a bad port or log level as a usage error", () => {
    const env = { HOME: "/nonexistent" };
    expect(() => resolveSettings({ port: "http" }, { env, cwd: "/nonexistent" })).toThrow("port number");
    expect(() => resolveSettings({ logLevel: "loud" }, { env, cwd: "/nonexistent" })).toThrow("debug, info");
    expect(resolveSettings({ logLevel: "WARNING" }, { env, cwd: "/nonexistent" }).logLevel).toBe("warn");
  });
});

describe("paths in a config file", () => {
  test("backend cwd, capability directories and the cache dir are relative to the file's folder", async () => {
    const dir = mkdtempSync(`${tmpdir()}/gw-paths-`);
    await Bun.write(
      `${dir}/conf/gateway.yaml`,
      "lifecycle: { cache_dir: cache }\ncapabilities: { directories: [caps, /abs/caps] }\nbackends:\n  a: { command: x, cwd: work }\n  b: { command: y }\n",
    );
    const { config } = loadConfigFile(`${dir}/conf/gateway.yaml`, {});
    expect(config.backends.a?.cwd).toBe(`${dir}/conf/work`);
    expect(config.backends.b?.cwd).toBeUndefined();
    expect(config.capabilities.directories).toEqual([`${dir}/conf/caps`, "/abs/caps"]);
    expect(config.lifecycle.cache_dir).toBe(`${dir}/conf/cache`);
  });
});

/** A "billion laughs" file: nine levels of nine aliases each, 9^9 strings once expanded. */
const LAUGHS = `${["a", "b", "c", "d", "e", "f", "g", "h", "i"]
  .map((name, i, names) => {
    const item = i === 0 ? '"lol"' : `*${names[i - 1]}`;
    return `${name}: &${name} [${Array(9).fill(item).join(", ")}]`;
  })
  .join("\n")}\n`;

describe("hostile config files", () => {
  test("a few aliases still work; exponential alias expansion is a config error", () => {
    const { config } = parseConfig(
      "backends:\n  a: { command: x, args: &args [--a, --b] }\n  b: { command: y, args: *args }\n",
      { file: "gw.yaml", env: {} },
    );
    expect(config.backends.b?.args).toEqual(["--a", "--b"]);
    expect(failure(LAUGHS)).toContain("gw.yaml: YAML aliases expand too far (over maxAliasCount 100)");
  });

  test("a file over the size cap is refused without reading it all", () => {
    const dir = mkdtempSync(`${tmpdir()}/gw-big-`);
    writeFileSync(`${dir}/big.yaml`, `# ${"x".repeat(MAX_CONFIG_BYTES)}\n`);
    expect(() => readConfigText(`${dir}/big.yaml`)).toThrow("larger than 1 MiB");
    expect(readConfigText(`${dir}/big.yaml`, { limit: MAX_CONFIG_BYTES + 4 })).toHaveLength(
      MAX_CONFIG_BYTES + 3,
    );
    try {
      loadConfigFile(`${dir}/big.yaml`, {});
      throw new Error("expected the file to be refused");
    } catch (err) {
      expect((err as GatewayError).code).toBe("CONFIG_INVALID");
    }
  });

  test.skipIf(!existsSync("/dev/zero"))(
    "serve --config /dev/zero exits 2 with one line naming the cap",
    async () => {
      const run = await runCli(["serve", "--stdio", "--config", "/dev/zero"]);
      expect(run.code).toBe(2);
      expect(run.stderr.trim()).toBe(
        "mcp-gateway: config /dev/zero is larger than 1 MiB, the most a config file may hold (is it the right file?)",
      );
    },
  );

  test("serve with a billion-laughs config exits 2 like any config error", async () => {
    const dir = mkdtempSync(`${tmpdir()}/gw-laughs-`);
    writeFileSync(`${dir}/laughs.yaml`, LAUGHS);
    const run = await runCli(["serve", "--stdio", "--config", `${dir}/laughs.yaml`]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("YAML aliases expand too far");
  });
});
