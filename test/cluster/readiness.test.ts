import { afterAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../helpers/gateway.ts";
import { type GatewayProcess, spawnGateway, waitFor } from "../helpers/process.ts";

let gateway: GatewayProcess | undefined;
afterAll(async () => {
  gateway?.proc.kill("SIGKILL");
  await gateway?.proc.exited;
});

test("/health/ready answers 503 until the first start of every backend settled, then 200", async () => {
  const config = join(tempDir("mcp-gateway-ready-"), "gateway.yaml");
  // A backend that says nothing for 3 s and exits: the warm-up settles (as a failure) only then.
  writeFileSync(
    config,
    `capabilities: { enabled: false }
lifecycle: { lazy: false }
backends:
  slow: { command: "sleep 3" }
`,
  );
  gateway = await spawnGateway(["--config", config]);
  const ready = new URL("/health/ready", gateway.url);
  const first = await fetch(ready);
  expect(first.status).toBe(503);
  expect(await first.json()).toEqual({ status: "starting" });
  // Liveness meanwhile: /health answers 200 (the process is alive, only not ready).
  expect((await fetch(new URL("/health", gateway.url))).status).toBe(200);
  const settled = await waitFor("readiness", async () => {
    const response = await fetch(ready);
    return response.status === 200 ? response : undefined;
  });
  expect(((await settled.json()) as { status: string }).status).not.toBe("starting");
});
