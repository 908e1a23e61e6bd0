import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const MAIN = join(import.meta.dir, "../../src/main.ts");

describe("serving beyond loopback", () => {
  test("without auth the gateway refuses to start, naming the fixes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mcp-gateway-refuse-"));
    const config = join(dir, "gateway.yaml");
    writeFileSync(config, "backends: {}\n");
    const proc = Bun.spawn(
      [process.execPath, MAIN, "serve", "--config", config, "--host", "0.0.0.0", "--port", "0"],
      {
        stdout: "pipe",
        stderr: "pipe",
        env: { ...process.env, MCP_GATEWAY_ALLOW_UNAUTHENTICATED: "" },
      },
    );
    expect(await proc.exited).toBe(2);
    const stderr = await new Response(proc.stderr).text();
    expect(stderr).toContain("refusing to listen on 0.0.0.0");
    expect(stderr).toContain("--allow-unauthenticated");
    expect(stderr).toContain("mcp-gateway keys add");
  });
});

describe("--allow-unauthenticated", () => {
  test("is a known serve flag, documented in --help", async () => {
    const help = Bun.spawnSync([process.execPath, MAIN, "serve", "--help"], {
      stdout: "pipe",
      stderr: "pipe",
    });
    expect(`${help.stdout}${help.stderr}`).toContain("--allow-unauthenticated");
    const dir = mkdtempSync(join(tmpdir(), "mcp-gateway-allow-"));
    const config = join(dir, "gateway.yaml");
    writeFileSync(config, "backends: {}\n");
    // On loopback it changes nothing; what matters here is that the flag is accepted, not refused as unknown.
    const proc = Bun.spawn(
      [process.execPath, MAIN, "serve", "--config", config, "--port", "0", "--allow-unauthenticated"],
      { stdout: "pipe", stderr: "pipe" },
    );
    const reader = proc.stderr.getReader();
    let text = "";
    while (!text.includes("listening on") && !text.includes("nknown")) {
      const { done, value } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    proc.kill();
    await proc.exited;
    expect(text).toContain("listening on http://127.0.0.1:");
  });
});
