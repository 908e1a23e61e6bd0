import { afterEach, describe, expect, test } from "bun:test";
import { PassThrough } from "node:stream";
import { parseConfig } from "../../src/config/load.ts";
import { Gateway } from "../../src/gateway/gateway.ts";
import { FirstServed } from "../../src/server/http/first-served.ts";
import { serveStdio } from "../../src/server/stdio.ts";
import { tempDir } from "../helpers/gateway.ts";
import { manualTimers } from "../helpers/manual-timers.ts";
import { serverCommand } from "../helpers/paths.ts";

/** A client on a pair of pipes: sends lines, resolves each request with its answer. */
function pipeClient() {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const answers = new Map<number, PromiseWithResolvers<Record<string, unknown>>>();
  let buffered = "";
  stdout.on("data", (chunk: Buffer) => {
    buffered += chunk.toString();
    for (let at = buffered.indexOf("\n"); at >= 0; at = buffered.indexOf("\n")) {
      const message = JSON.parse(buffered.slice(0, at)) as Record<string, unknown>;
      buffered = buffered.slice(at + 1);
      if (typeof message.id === "number" && !("method" in message)) answers.get(message.id)?.resolve(message);
    }
  });
  return {
    stdin,
    stdout,
    request(id: number, method: string, params: Record<string, unknown> = {}) {
      answers.set(id, Promise.withResolvers());
      stdin.write(`${JSON.stringify({ jsonrpc: "2.0", id, method, params })}\n`);
      return answers.get(id)?.promise as Promise<Record<string, unknown>>;
    },
    notify(method: string) {
      stdin.write(`${JSON.stringify({ jsonrpc: "2.0", method })}\n`);
    },
  };
}

const INIT = {
  protocolVersion: "2025-11-25",
  capabilities: {},
  clientInfo: { name: "stdio-first-served", version: "1" },
};

describe("stdio: the client's first requests are counted as served", () => {
  let gateway: Gateway | undefined;
  afterEach(async () => {
    await gateway?.stop();
    gateway = undefined;
  });

  function open(backends = "backends: {}\n"): Gateway {
    const { config } = parseConfig(`capabilities:\n  enabled: false\n${backends}`, { file: "gw.yaml" });
    config.lifecycle.cache_dir = tempDir("mcp-gateway-stdio-served-");
    gateway = Gateway.fromConfig(config);
    return gateway;
  }

  test("each request counts once when asked and once when answered; notifications count for nothing", async () => {
    const events: string[] = [];
    const client = pipeClient();
    const served = serveStdio(
      open(),
      { kind: "meta" },
      {
        stdin: client.stdin as never,
        stdout: client.stdout as never,
        served: { begin: () => events.push("begin"), end: () => events.push("end") },
      },
    );
    try {
      const init = client.request(1, "initialize", INIT);
      expect((await init).result).toBeDefined();
      expect(events).toEqual(["begin", "end"]);
      client.notify("notifications/initialized");
      const listed = await client.request(2, "tools/list");
      expect((listed.result as { tools: unknown[] }).tools.length).toBeGreaterThan(0);
      expect(events).toEqual(["begin", "end", "begin", "end"]);
      // An unknown method is answered with an error: still one answer for one request.
      const refused = await client.request(3, "no/such/method");
      expect(refused.error).toBeDefined();
      expect(events).toEqual(["begin", "end", "begin", "end", "begin", "end"]);
    } finally {
      client.stdin.end();
      await served;
    }
  });

  test("the backends start only once the first answers are out and the quiet time has passed", async () => {
    const gw = open(
      `backends:\n  everything:\n    command: ${JSON.stringify(serverCommand("everything", "stdio"))}\n    lazy: false\n`,
    );
    const timers = manualTimers();
    const first = new FirstServed(timers);
    const begun = gw.start({ warmUpAfter: first.settled });
    const client = pipeClient();
    const served = serveStdio(
      gw,
      { kind: "meta" },
      { stdin: client.stdin as never, stdout: client.stdout as never, served: first },
    );
    try {
      await client.request(1, "initialize", INIT);
      client.notify("notifications/initialized");
      expect(first.done).toBe(false);
      expect(gw.health().backends).toMatchObject({ everything: { status: "configured" } });
      timers.advance(10); // the quiet time after the last answer
      expect(first.done).toBe(true);
      await begun;
      await gw.ready;
      expect(gw.health().backends).toMatchObject({ everything: { status: "running" } });
    } finally {
      client.stdin.end();
      await served;
    }
  });
});
