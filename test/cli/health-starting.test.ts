import { afterAll, expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../helpers/gateway.ts";
import { serverCommand } from "../helpers/paths.ts";
import { spawnGateway, waitFor } from "../helpers/process.ts";

const dir = tempDir("mcp-gateway-starting-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("/health says starting until the first start of every backend settles, then ok", async () => {
  // The backend waits on a FIFO, so the test decides when its start finishes.
  const fifo = join(dir, "go");
  expect(Bun.spawnSync(["mkfifo", fifo]).exitCode).toBe(0);
  const server = serverCommand("everything", "stdio");
  const config = join(dir, "gateway.yaml");
  writeFileSync(
    config,
    `capabilities:\n  enabled: false\nbackends:\n  slow:\n    command: ${JSON.stringify(`sh -c 'read x < ${fifo}; exec ${server.replace(/"/g, "")}'`)}\n    timeout: 60s\n`,
  );
  const gateway = await spawnGateway(["--config", config]);
  try {
    const health = async () =>
      (await (await fetch(new URL("/health", gateway.url))).json()) as {
        status: string;
        backends: Record<string, { status: string }>;
      };
    const before = await health();
    expect(before.status).toBe("starting");
    // The backends start once the first client has been served: this /health is that client.
    expect(["configured", "starting"]).toContain(before.backends.slow?.status ?? "");
    await waitFor("the backend's start", async () =>
      (await health()).backends.slow?.status === "starting" ? true : undefined,
    );
    expect((await health()).status).toBe("starting");
    writeFileSync(fifo, "go\n");
    await waitFor("warm-up to end", async () => ((await health()).status === "ok" ? true : undefined));
    expect((await health()).backends.slow?.status).toBe("running");
  } finally {
    gateway.proc.kill("SIGTERM");
    await gateway.proc.exited;
  }
});
