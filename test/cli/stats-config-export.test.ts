import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { parse } from "yaml";
import { tempDir } from "../helpers/gateway.ts";
import { runCli } from "./run.ts";

type Json = Record<string, unknown>;

const SECRETS = ["ghp_envsecret123", "hdr-token-456", "urlpass789", "query-key-000", "introspect-secret"];

async function writeConfig(): Promise<string> {
  const dir = tempDir("mcp-gateway-export-");
  const path = join(dir, "gateway.yaml");
  await Bun.write(
    path,
    `server:
  port: 4555
backends:
  local:
    command: "node server.js"
    env:
      GITHUB_TOKEN: "\${GH_TOKEN}"
      LOG_LEVEL: debug
  remote:
    http_url: "https://bob:urlpass789@api.example.com/mcp?key=query-key-000&region=eu"
    headers:
      Authorization: "Bearer hdr-token-456"
  plain:
    http_url: "https://plain.example.com/mcp"
auth:
  oauth:
    issuer: "https://issuer.example.com"
    resource: "https://mcp.example.com"
    introspection:
      client_id: gateway
      client_secret: introspect-secret
`,
  );
  await Bun.write(join(dir, "gateway.env"), "GH_TOKEN=ghp_envsecret123\n");
  return path;
}

describe("mcp-gateway config export", () => {
  test("--json prints the effective config with every secret masked", async () => {
    const path = await writeConfig();
    const run = await runCli(["config", "export", "--config", path, "--json"], {
      env: { MCP_GATEWAY_PORT: "4666" },
    });
    expect(run.code).toBe(0);
    for (const secret of SECRETS) expect(run.stdout).not.toContain(secret);
    const config = JSON.parse(run.stdout) as Json;
    const server = config.server as Json;
    // Effective: the environment beats the file, and defaults are filled in.
    expect(server.port).toBe(4666);
    expect(server.request_timeout).toBe(30_000);
    const backends = config.backends as Record<string, Json>;
    expect(backends.local?.env).toEqual({ GITHUB_TOKEN: "***", LOG_LEVEL: "***" });
    expect(backends.local?.command).toBe("node server.js");
    expect(backends.remote?.http_url).toBe("https://***@api.example.com/mcp?key=***&region=***");
    expect(backends.remote?.headers).toEqual({ Authorization: "***" });
    expect(backends.plain?.http_url).toBe("https://plain.example.com/mcp");
    const oauth = (config.auth as Json).oauth as Json;
    expect((oauth.introspection as Json).client_secret).toBe("***");
    expect((oauth.introspection as Json).client_id).toBe("gateway");
    expect(run.stderr).toContain(path);
  });

  test("prints YAML by default, the same config", async () => {
    const path = await writeConfig();
    const [yaml, json] = await Promise.all([
      runCli(["config", "export", "--config", path]),
      runCli(["config", "export", "--config", path, "--json"]),
    ]);
    expect(yaml.code).toBe(0);
    for (const secret of SECRETS) expect(yaml.stdout).not.toContain(secret);
    expect(parse(yaml.stdout)).toEqual(JSON.parse(json.stdout));
  });

  test("an invalid config is a config error (exit 2) naming the place", async () => {
    const dir = tempDir();
    const path = join(dir, "gateway.yaml");
    await Bun.write(path, "server:\n  prot: 1\n");
    const run = await runCli(["config", "export", "--config", path]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("gateway.yaml:2");
  });

  test("without a config file it prints the defaults and says so", async () => {
    const cwd = tempDir();
    const run = await runCli(["config", "export", "--json"], {
      cwd,
      env: { HOME: cwd, MCP_GATEWAY_CONFIG: "", XDG_CONFIG_HOME: cwd },
    });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("no config file found");
    expect((JSON.parse(run.stdout) as Json).backends).toEqual({});
  });
});
