import { expect, test } from "bun:test";
import { join } from "node:path";
import { BUN, ROOT } from "../helpers/paths.ts";

// The SDK's 2.x packages serve only 2026-07-28 requests: a gateway whose clients speak 2025 never loads them
// (their memory and start-up cost). Checked in a fresh process, since test files share one.
test("a gateway serving a 2025 session never loads the 2.x SDK; the first 2026-07-28 request does", async () => {
  const script = `
    const { Gateway } = await import(${JSON.stringify(join(ROOT, "src/gateway/gateway.ts"))});
    const { parseConfig } = await import(${JSON.stringify(join(ROOT, "src/config/load.ts"))});
    const { startHttpFrontEnd } = await import(${JSON.stringify(join(ROOT, "src/server/http/front-end.ts"))});
    const gateway = Gateway.fromConfig(parseConfig("capabilities: { enabled: false }\\n", { file: "t.yaml" }).config);
    const http = startHttpFrontEnd(gateway, { host: "127.0.0.1", port: 0, surface: { kind: "meta" } });
    const url = new URL("/mcp", http.url);
    const h = { "content-type": "application/json", accept: "application/json, text/event-stream" };
    const init = await fetch(url, { method: "POST", headers: h, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } } }) });
    await init.text();
    const sid = init.headers.get("mcp-session-id");
    await (await fetch(url, { method: "POST", headers: { ...h, "mcp-session-id": sid }, body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" }) })).text();
    const loaded = () => Object.keys(require.cache).some((k) => k.includes("@modelcontextprotocol/server/"));
    const before = loaded();
    const modern = await fetch(url, { method: "POST", headers: { ...h, "mcp-protocol-version": "2026-07-28", "mcp-method": "server/discover" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 3, method: "server/discover", params: { _meta: {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {} } } }) });
    const status = modern.status;
    await modern.text();
    console.log(JSON.stringify({ before, after: loaded(), status }));
    await http.stop(); await gateway.stop(); process.exit(0);
  `;
  const proc = Bun.spawn([BUN, "-e", script], { stdout: "pipe", stderr: "pipe", cwd: ROOT });
  const out = await new Response(proc.stdout).text();
  if ((await proc.exited) !== 0) console.error(await new Response(proc.stderr).text());
  expect(await proc.exited).toBe(0);
  const result = JSON.parse(out.trim().split("\n").at(-1) ?? "{}") as {
    before: boolean;
    after: boolean;
    status: number;
  };
  expect(result.before).toBe(false);
  expect(result.status).toBe(200);
  expect(result.after).toBe(true);
});
