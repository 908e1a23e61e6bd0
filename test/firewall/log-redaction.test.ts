import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { tempDir } from "../helpers/gateway.ts";
import { BUN, ROOT } from "../helpers/paths.ts";
import { type GatewayProcess, spawnGateway, waitFor } from "../helpers/process.ts";
import { AWS, GITHUB } from "./leaky-server.ts";

const SERVICE_TOKEN = "plain-configured-value-7f3a9c";

// A backend that prints credentials to its stderr: the gateway forwards its stderr to its own log (debug
// level), and what the gateway writes never holds them, only markers naming the kind.
describe("credentials in a backend's stderr and errors never reach the gateway's log", () => {
  let gw: GatewayProcess;
  beforeAll(async () => {
    // YAML is a superset of JSON: the config written as an object.
    const config = join(tempDir(), "gateway.yaml");
    const command = [BUN, join(ROOT, "test", "firewall", "leaky-server.ts")].map((p) => JSON.stringify(p));
    const yaml = {
      capabilities: { enabled: false },
      lifecycle: { lazy: false },
      backends: { leaky: { command: command.join(" "), env: { SERVICE_TOKEN } } },
    };
    await Bun.write(config, JSON.stringify(yaml, null, 2));
    gw = await spawnGateway(["--config", config, "--log-level", "debug"]);
    await waitFor("the service token line", async () =>
      gw.stderr().includes("service token is") ? true : undefined,
    );
    const client = new Client({ name: "log-redaction", version: "1" });
    await client.connect(new StreamableHTTPClientTransport(new URL("/mcp", gw.url)));
    await client.callTool({ name: "gateway_invoke", arguments: { server: "leaky", tool: "fail" } });
    await client.close();
    await waitFor("the failing call's stderr line", async () =>
      gw.stderr().includes("was refused") ? true : undefined,
    );
  });
  afterAll(async () => {
    gw?.proc.kill();
    await gw?.proc.exited;
  });

  test("tokens and keys of known shapes show as their kind's marker", () => {
    const log = gw.stderr();
    expect(log).toContain("using token [REDACTED:github-token] and key [REDACTED:aws-access-key]");
    expect(log).toContain("Authorization: token [REDACTED:github-token] was refused");
    expect(log).not.toContain(GITHUB);
    expect(log).not.toContain(AWS);
  });

  test("a configured secret value of no known shape shows as configured-secret", () => {
    const log = gw.stderr();
    expect(log).toContain("service token is [REDACTED:configured-secret]");
    expect(log).not.toContain(SERVICE_TOKEN);
  });
});
