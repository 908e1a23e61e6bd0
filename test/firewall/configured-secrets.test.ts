import { describe, expect, test } from "bun:test";
import { createConsola } from "consola";
import { parseConfig } from "../../src/config/load.ts";
import { Firewall } from "../../src/firewall/firewall.ts";
import { tempDir } from "../helpers/gateway.ts";

// The configured secrets the firewall redacts (in results and, through the same scanner, in logs) are all the
// secret values the config holds, not only the backends'.
describe("configured secret values", () => {
  test("webhook, OAuth introspection, embeddings and Redis credentials are redacted in results", () => {
    const { config } = parseConfig(
      `backends:
  files: { command: x, env: { API_TOKEN: env-token-value-123 } }
webhooks:
  gh: { provider: github, secret: webhook-signing-secret-1 }
auth:
  oauth:
    issuer: https://issuer.example
    resource: https://mcp.example
    introspection: { client_id: gw, client_secret: introspection-secret-2 }
search:
  embeddings: { url: "https://emb.example/v1", model: m, api_key: embeddings-key-3 }
redis: { url: "redis://gw:redis-password-4@redis.example:6379/0" }
`,
      { file: "g.yaml" },
    );
    const firewall = new Firewall(() => config, { cacheDir: tempDir(), log: createConsola({ level: -999 }) });
    const values = [
      "env-token-value-123",
      "webhook-signing-secret-1",
      "introspection-secret-2",
      "embeddings-key-3",
      "redis-password-4",
    ];
    const result = firewall.filterResult("files", "dump", {
      content: [{ type: "text", text: values.map((v) => `value ${v} here`).join("\n") }],
    });
    const text = JSON.stringify(result);
    for (const value of values) expect(text).not.toContain(value);
    expect(text.match(/\[REDACTED:configured-secret\]/g)?.length).toBe(values.length);
    firewall.close();
  });
});
