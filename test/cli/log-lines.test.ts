import { afterAll, expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connectHttp, tempDir } from "../helpers/gateway.ts";
import { serverCommand } from "../helpers/paths.ts";
import { spawnGateway, waitFor } from "../helpers/process.ts";

const dir = tempDir("mcp-gateway-log-lines-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const STAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (ERROR|WARN |INFO |DEBUG|TRACE) /;

test("off a terminal every text log line starts with its time, and a tool call is one line", async () => {
  const config = join(dir, "gateway.yaml");
  writeFileSync(
    config,
    `capabilities:\n  enabled: false\nbackends:\n  everything:\n    command: ${JSON.stringify(serverCommand("everything", "stdio"))}\n`,
  );
  // stderr is a pipe here, as with a service manager or `2> gateway.log`.
  const gateway = await spawnGateway(["--config", config, "--log-format", "text"]);
  try {
    const client = await connectHttp(new URL("/mcp", gateway.url));
    const before = Date.now();
    const result = await client.callTool({
      name: "gateway_invoke",
      arguments: { server: "everything", tool: "echo", arguments: { message: "hello" } },
    });
    const after = Date.now();
    expect(JSON.stringify(result)).toContain("hello");
    await client.close();
    await waitFor("the call's log line", () => gateway.stderr().includes("everything/echo") || undefined);

    const lines = gateway.stderr().split("\n").filter(Boolean);
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines) expect(line).toMatch(STAMP);
    const call = lines.filter((l) => l.includes("echo"));
    expect(call).toHaveLength(1);
    expect(call[0]).toMatch(/ INFO {2}tool everything\/echo success \d+ms session=\S+ principal=anonymous$/);
    // The time is the call's: between sending it and getting its answer (ms resolution).
    const at = Date.parse(STAMP.exec(call[0] ?? "")?.[1] ?? "");
    expect(at).toBeGreaterThanOrEqual(before - 1);
    expect(at).toBeLessThanOrEqual(after + 1);
    // No object dump: the fields are on the call's own line, none left on lines of their own.
    expect(lines.some((l) => /^\s*(backend|outcome|duration_ms):/.test(l.replace(STAMP, "")))).toBe(false);
  } finally {
    gateway.proc.kill("SIGTERM");
    await gateway.proc.exited;
  }
});
