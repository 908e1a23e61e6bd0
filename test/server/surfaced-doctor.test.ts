import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { runCli } from "../cli/run.ts";
import { tempDir } from "../helpers/gateway.ts";
import { serverCommand } from "../helpers/paths.ts";

const Check = (value: unknown) =>
  value as {
    kind: string;
    subject: string;
    status: string;
    message: string;
    surfacedTokens?: Record<string, number>;
  };

describe("doctor and surfaced tools", () => {
  test("reports each surfaced tool's token cost and warns about missing ones", async () => {
    const dir = tempDir("mcp-gateway-surfaced-doctor-");
    const path = join(dir, "gateway.yaml");
    await Bun.write(
      path,
      `server:
  port: 0
meta_mcp:
  surfaced: [everything/get-sum, everything/nope, ghost/tool]
backends:
  everything:
    command: '${serverCommand("everything", "stdio")}'
`,
    );
    const json = await runCli(["doctor", "--config", path, "--json"]);
    const checks = (JSON.parse(json.stdout) as { checks: unknown[] }).checks.map(Check);
    const backend = checks.find((c) => c.kind === "backend" && c.subject === "everything");
    const tokens = backend?.surfacedTokens?.["everything__get-sum"] ?? 0;
    // get-sum's definition is about 112 o200k tokens; the estimate errs high, by a little.
    expect(tokens).toBeGreaterThan(100);
    expect(tokens).toBeLessThan(160);
    expect(backend?.status).toBe("warn");
    expect(checks.some((c) => c.subject === "ghost/tool" && c.status === "warn")).toBe(true);

    const text = await runCli(["doctor", "--config", path]);
    expect(text.stdout).toContain(`surfaced everything__get-sum: ~${tokens} tokens`);
    expect(text.stdout).toContain("surfaced everything__nope: no such tool");
    expect(text.stdout).toContain('names no backend "ghost"');
  }, 60_000);
});
