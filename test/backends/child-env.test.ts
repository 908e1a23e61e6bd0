import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { childEnvironment, isSafeVariable } from "../../src/backends/child-env.ts";
import { createBackend } from "../../src/backends/create.ts";
import { manifestKey } from "../../src/backends/manifest.ts";
import { parseConfig } from "../../src/config/load.ts";
import { log } from "../../src/log.ts";
import { serverCommand } from "../helpers/paths.ts";

const SECRET = "MCP_GATEWAY_TEST_OTHER_BACKENDS_TOKEN";

describe("childEnvironment", () => {
  const parent = {
    PATH: "/bin",
    HOME: "/home/a",
    LC_ALL: "C",
    GITHUB_TOKEN: "ghp_x",
    AWS_SECRET_ACCESS_KEY: "k",
  };

  test("keeps the safe set and drops the rest, then adds the backend's own", () => {
    expect(childEnvironment({ API_KEY: "mine" }, { parent, platform: "linux" })).toEqual({
      PATH: "/bin",
      HOME: "/home/a",
      LC_ALL: "C",
      API_KEY: "mine",
    });
  });

  test("a backend's own variable wins over the gateway's", () => {
    expect(childEnvironment({ PATH: "/opt/bin" }, { parent, platform: "linux" }).PATH).toBe("/opt/bin");
  });

  test("inherit passes everything", () => {
    expect(childEnvironment({}, { parent, inherit: true, platform: "linux" })).toEqual(parent);
  });

  test("Windows names are matched without regard to case, and Windows' own variables pass there only", () => {
    expect(isSafeVariable("Path", "win32")).toBe(true);
    expect(isSafeVariable("SystemRoot", "win32")).toBe(true);
    expect(isSafeVariable("ProgramFiles(x86)", "win32")).toBe(true);
    expect(isSafeVariable("SYSTEMROOT", "linux")).toBe(false);
    expect(isSafeVariable("Path", "linux")).toBe(false);
    expect(isSafeVariable("GITHUB_TOKEN", "win32")).toBe(false);
  });
});

describe("a real stdio backend's environment", () => {
  beforeAll(() => {
    process.env[SECRET] = "s3cret";
  });
  afterAll(() => {
    delete process.env[SECRET];
  });

  async function envOf(extra: string): Promise<Record<string, string>> {
    const { config } = parseConfig(
      `backends:\n  everything:\n    command: '${serverCommand("everything", "stdio")}'\n${extra}`,
      { file: "t.yaml" },
    );
    const backend = createBackend("everything", config.backends.everything!, {
      defaultTimeoutMs: 20_000,
      log,
    });
    try {
      const result = (await backend.callTool("get-env", {})) as { content: { text: string }[] };
      return JSON.parse(result.content[0]?.text ?? "{}") as Record<string, string>;
    } finally {
      await backend.stop();
    }
  }

  test("a variable of the gateway's environment does not reach the child; PATH and HOME do", async () => {
    const env = await envOf("");
    expect(env[SECRET]).toBeUndefined();
    expect(env.PATH).toBe(process.env.PATH as string);
    if (process.env.HOME) expect(env.HOME).toBe(process.env.HOME);
  });

  test("env: entries reach the child", async () => {
    const env = await envOf("    env: { BACKEND_TOKEN: mine }\n");
    expect(env.BACKEND_TOKEN).toBe("mine");
    expect(env[SECRET]).toBeUndefined();
  });

  test("inherit_env: true passes the gateway's whole environment", async () => {
    const env = await envOf("    inherit_env: true\n");
    expect(env[SECRET]).toBe("s3cret");
  });

  test("inherit_env is part of the manifest identity only when set", () => {
    const entry = (extra: string) =>
      parseConfig(`backends:\n  e:\n    command: x\n${extra}`, { file: "t.yaml" }).config.backends.e!;
    expect(manifestKey("e", entry(""))).toBe(manifestKey("e", entry("    inherit_env: false\n")));
    expect(manifestKey("e", entry(""))).not.toBe(manifestKey("e", entry("    inherit_env: true\n")));
  });
});
