/**
 * What MCP over WebSocket costs against Streamable HTTP on the same gateway: one gateway process (one
 * server-everything backend), one SDK client on `/mcp` and one on `/ws`, sequential gateway_invoke get-sum
 * calls, interleaved round by round so machine noise hits both alike; prints each transport's p50/p99 and
 * the ratio. Not part of run-all (docs/websocket.md quotes it with this command).
 * Run: bun scripts/bench/websocket.ts [--calls 300] [--rounds 5]
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { Client as SdkClient } from "@modelcontextprotocol/sdk/client/index.js";
import { WebSocketClientTransport } from "@modelcontextprotocol/sdk/client/websocket.js";
import { numberArg } from "./lib/args.ts";
import { connectHttp, startHttpGateway, writeConfig } from "./lib/mcp.ts";
import { bin } from "./lib/paths.ts";
import { median, percentile, round } from "./lib/stats.ts";

const CALLS = numberArg("calls", 300);
const ROUNDS = numberArg("rounds", 5);

const config = writeConfig({
  everything: {
    command: `${bin("mcp-server-everything")} stdio`,
    lazy: false,
    failsafe: { rate_limit: { enabled: false } },
  },
});
const gateway = await startHttpGateway(config, { backends: 1 });
const ws = new URL("/ws", gateway.url);
ws.protocol = "ws:";
const overWs = new SdkClient({ name: "bench-ws", version: "1.0.0" });
await overWs.connect(new WebSocketClientTransport(ws));
const overHttp = await connectHttp(new URL("/mcp", gateway.url));

async function calls(client: Client, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await client.callTool({
      name: "gateway_invoke",
      arguments: { server: "everything", tool: "get-sum", arguments: { a: i, b: 1 } },
    });
    out.push(performance.now() - t0);
  }
  return out;
}

const rounds = { http: [] as number[][], ws: [] as number[][] };
await calls(overHttp, 50); // warm-up
await calls(overWs, 50);
for (let r = 0; r < ROUNDS; r++) {
  rounds.http.push(await calls(overHttp, CALLS));
  rounds.ws.push(await calls(overWs, CALLS));
}
await Promise.all([overWs.close(), overHttp.close()]);
await gateway.stop();

const summary = (samples: number[][]) => ({
  p50: median(samples.map((s) => percentile(s, 50))),
  p99: median(samples.map((s) => percentile(s, 99))),
});
const http = summary(rounds.http);
const socket = summary(rounds.ws);
console.log(`gateway_invoke get-sum, median of ${ROUNDS} rounds × ${CALLS} sequential calls:`);
console.log(`  /mcp (Streamable HTTP): p50 ${round(http.p50)} ms, p99 ${round(http.p99)} ms`);
console.log(`  /ws  (WebSocket):       p50 ${round(socket.p50)} ms, p99 ${round(socket.p99)} ms`);
console.log(`  p50 ratio ws/http: ${round(socket.p50 / http.p50, 2)}`);
process.exit(0);
