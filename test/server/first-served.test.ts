import { afterEach, describe, expect, test } from "bun:test";
import { parseConfig } from "../../src/config/load.ts";
import { Gateway } from "../../src/gateway/gateway.ts";
import { FirstServed } from "../../src/server/http/first-served.ts";
import { type HttpFrontEnd, startHttpFrontEnd } from "../../src/server/http/front-end.ts";
import { tempDir } from "../helpers/gateway.ts";
import { manualTimers } from "../helpers/manual-timers.ts";
import { serverCommand } from "../helpers/paths.ts";

// Issue 10: three backends spawned beside a client's initialize made its answer 3-4 times slower (a
// compiled gateway: 86-114 ms from listening to the initialize answer, 20-30 ms without them).

function settledYet(served: FirstServed): Promise<boolean> {
  return Promise.race([served.settled.then(() => true), Bun.sleep(0).then(() => false)]);
}

describe("FirstServed", () => {
  test("settles once a request was answered and the front end then stayed quiet", async () => {
    const timers = manualTimers();
    const served = new FirstServed({ quietMs: 10, maxMs: 250, ...timers });
    served.begin();
    timers.advance(50);
    expect(await settledYet(served)).toBe(false);
    served.end();
    timers.advance(5);
    served.begin(); // the client's next request, back to back
    served.end();
    timers.advance(9);
    expect(await settledYet(served)).toBe(false);
    timers.advance(1);
    expect(await settledYet(served)).toBe(true);
    expect(served.done).toBe(true);
    expect(timers.pending).toBe(0);
  });

  test("a request still open holds it; without any client it settles at the cap", async () => {
    const timers = manualTimers();
    const served = new FirstServed({ quietMs: 10, maxMs: 250, ...timers });
    served.begin();
    served.begin();
    served.end();
    timers.advance(100);
    expect(await settledYet(served)).toBe(false);
    timers.advance(150);
    expect(await settledYet(served)).toBe(true);
    const idle = new FirstServed({ maxMs: 250, ...timers });
    timers.advance(249);
    expect(await settledYet(idle)).toBe(false);
    timers.advance(1);
    expect(await settledYet(idle)).toBe(true);
  });
});

describe("the backends start after the first client is served", () => {
  let http: HttpFrontEnd | undefined;
  let gateway: Gateway | undefined;
  afterEach(async () => {
    await http?.stop();
    await gateway?.stop();
  });

  async function start(): Promise<{ timers: ReturnType<typeof manualTimers>; begun: Promise<void> }> {
    const { config } = parseConfig(
      `capabilities:\n  enabled: false\nbackends:\n  everything:\n    command: ${JSON.stringify(serverCommand("everything", "stdio"))}\n    lazy: false\n`,
      { file: "gw.yaml" },
    );
    config.lifecycle.cache_dir = tempDir("mcp-gateway-first-served-");
    gateway = Gateway.fromConfig(config);
    const timers = manualTimers();
    http = startHttpFrontEnd(gateway, {
      host: "127.0.0.1",
      port: 0,
      surface: { kind: "meta" },
      firstServed: timers,
    });
    return { timers, begun: gateway.start({ warmUpAfter: http.firstServed }) };
  }

  const status = (): unknown => gateway?.health().backends;

  test("initialize is answered before any backend process exists; the quiet after it starts them", async () => {
    const { timers, begun } = await start();
    const url = new URL("/mcp", http?.url);
    const answer = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } },
      }),
    });
    expect(answer.status).toBe(200);
    await answer.text();
    expect(gateway?.health().status).toBe("starting");
    // Configured, never spawned: no process, no pid.
    expect(status()).toMatchObject({ everything: { status: "configured" } });
    expect((status() as { everything: { pid?: number } }).everything.pid).toBeUndefined();
    expect(await Promise.race([begun.then(() => "begun"), Bun.sleep(0).then(() => "waiting")])).toBe(
      "waiting",
    );
    timers.advance(10);
    await begun;
    await gateway?.ready;
    expect(status()).toMatchObject({ everything: { status: "running" } });
    expect(gateway?.health().status).toBe("ok");
  });

  test("whatever needs the backends sooner starts them at once", async () => {
    await start();
    // A search (as a transparent tools/list or a call would) cannot wait for a client to be served.
    await gateway?.ready;
    expect(status()).toMatchObject({ everything: { status: "running" } });
  });
});
