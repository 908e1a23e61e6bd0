import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { z } from "zod";
import { connectHttp, tempDir } from "../helpers/gateway.ts";
import { serverCommand } from "../helpers/paths.ts";
import { isAlive, spawnGateway, waitFor } from "../helpers/process.ts";

const Raw = z.looseObject({});
type Health = { backends: Record<string, { status: string; pid?: number }> };

async function servers(client: Client): Promise<Record<string, { status: string; description: string }>> {
  const result = await client.request(
    { method: "tools/call", params: { name: "gateway_list_servers", arguments: {} } },
    Raw,
  );
  const list = (
    result.structuredContent as { servers: { name: string; status: string; description: string }[] }
  ).servers;
  return Object.fromEntries(list.map((s) => [s.name, s]));
}

function configText(backends: Record<string, string>): string {
  const entries = Object.entries(backends).map(([name, body]) => `  ${name}:\n${body}`);
  return `capabilities: { enabled: false }\nlifecycle: { lazy: false }\nbackends:\n${entries.join("\n")}\n`;
}

describe("hot reload", () => {
  test("adds, changes and removes backends while a client session stays open; a broken file is rejected", async () => {
    const dir = tempDir();
    const path = join(dir, "gateway.yaml");
    const everything = `    command: '${serverCommand("everything", "stdio")}'\n`;
    const memory = (description: string): string =>
      `    command: '${serverCommand("memory")}'\n    description: "${description}"\n    env: { MEMORY_FILE_PATH: "${join(dir, "m.jsonl")}" }\n`;
    await Bun.write(path, configText({ everything }));
    const gw = await spawnGateway(["--config", path]);
    const client = await connectHttp(new URL("/mcp", gw.url));
    const health = async (): Promise<Health> =>
      (await (await fetch(new URL("/health", gw.url))).json()) as Health;
    try {
      await waitFor("everything running", async () =>
        (await health()).backends.everything?.status === "running" ? true : undefined,
      );
      const everythingPid = (await health()).backends.everything?.pid;

      await Bun.write(path, configText({ everything, memory: memory("first") }));
      await waitFor("memory added", async () =>
        (await servers(client)).memory?.status === "running" ? true : undefined,
      );
      const memoryPid = (await health()).backends.memory?.pid as number;
      expect((await health()).backends.everything?.pid).toBe(everythingPid);

      await Bun.write(path, configText({ everything, memory: memory("second") }));
      await waitFor("memory restarted", async () =>
        (await servers(client)).memory?.description === "second" ? true : undefined,
      );
      await waitFor("memory running", async () =>
        (await health()).backends.memory?.status === "running" ? true : undefined,
      );
      expect((await health()).backends.memory?.pid).not.toBe(memoryPid);
      await waitFor("old memory process gone", () => (!isAlive(memoryPid) ? true : undefined));

      const secondPid = (await health()).backends.memory?.pid as number;
      await Bun.write(path, configText({ everything }));
      await waitFor("memory removed", async () =>
        (await servers(client)).memory === undefined ? true : undefined,
      );
      await waitFor("removed process gone", () => (!isAlive(secondPid) ? true : undefined));

      await Bun.write(path, "backends:\n  everything:\n    comand: nope\n");
      await waitFor("rejection logged", () =>
        gw.stderr().includes("config reload rejected") ? true : undefined,
      );
      expect(gw.stderr()).toContain('did you mean "command"');
      const echo = await client.request(
        {
          method: "tools/call",
          params: {
            name: "gateway_invoke",
            arguments: { server: "everything", tool: "echo", arguments: { message: "still serving" } },
          },
        },
        Raw,
      );
      expect(JSON.stringify(echo)).toContain("still serving");
      expect((await health()).backends.everything?.pid).toBe(everythingPid);
    } finally {
      await client.close().catch(() => undefined);
      gw.proc.kill("SIGTERM");
      await gw.proc.exited;
    }
  });
});

describe("graceful shutdown", () => {
  test("SIGTERM during a call lets it finish, then exits 0 with no backend left", async () => {
    const dir = tempDir();
    const path = join(dir, "gateway.yaml");
    await Bun.write(
      path,
      configText({ everything: `    command: '${serverCommand("everything", "stdio")}'\n` }),
    );
    const gw = await spawnGateway(["--config", path]);
    const client = await connectHttp(new URL("/mcp", gw.url));
    await waitFor("backend running", async () => {
      const h = (await (await fetch(new URL("/health", gw.url))).json()) as Health;
      return h.backends.everything?.status === "running" ? h.backends.everything.pid : undefined;
    });
    const pid = ((await (await fetch(new URL("/health", gw.url))).json()) as Health).backends.everything
      ?.pid as number;
    let progressed = false;
    const call = client.request(
      {
        method: "tools/call",
        params: {
          name: "gateway_invoke",
          arguments: {
            server: "everything",
            tool: "trigger-long-running-operation",
            arguments: { duration: 2, steps: 4 },
          },
        },
      },
      Raw,
      {
        onprogress: () => {
          progressed = true;
        },
      },
    );
    await waitFor("the call is under way", () => (progressed ? true : undefined));
    gw.proc.kill("SIGTERM");
    const result = await call;
    expect(result.isError).toBeFalsy();
    expect(JSON.stringify(result.content)).toContain("completed");
    expect(await gw.proc.exited).toBe(0);
    await waitFor("backend gone", () => (!isAlive(pid) ? true : undefined));
    await client.close().catch(() => undefined);
  });
});
