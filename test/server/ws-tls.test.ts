import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseConfig } from "../../src/config/load.ts";
import { Gateway } from "../../src/gateway/gateway.ts";
import { type FrontEndTls, startHttpFrontEnd } from "../../src/server/http/front-end.ts";
import { connectHttp, tempDir } from "../helpers/gateway.ts";
import { spawnGateway } from "../helpers/process.ts";
import { wsUrl } from "../helpers/ws.ts";

const dir = tempDir("mcp-gateway-wss-");
let cert: string;
let key: string;
let gateway: Gateway;

beforeAll(() => {
  const made = Bun.spawnSync(
    ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
      .concat(["-keyout", "server.key", "-out", "server.crt", "-days", "1", "-subj", "/CN=127.0.0.1"])
      .concat(["-addext", "subjectAltName=IP:127.0.0.1"]),
    { cwd: dir, stdout: "ignore", stderr: "pipe" },
  );
  if (made.exitCode !== 0) throw new Error(`openssl: ${made.stderr.toString()}`);
  cert = readFileSync(join(dir, "server.crt"), "utf8");
  key = readFileSync(join(dir, "server.key"), "utf8");
  const { config } = parseConfig("capabilities:\n  enabled: false\n", { file: "wss.yaml" });
  config.lifecycle.cache_dir = join(dir, "cache");
  gateway = Gateway.fromConfig(config);
});
afterAll(() => gateway?.stop());

/** Opens wss://…/ws trusting the test certificate, sends initialize and resolves with the answer. */
async function initializeOver(url: URL): Promise<unknown> {
  const socket = new WebSocket(url, { protocols: ["mcp"], tls: { ca: cert } } as never);
  const answer = new Promise<unknown>((resolve, reject) => {
    socket.addEventListener("message", (event) => resolve(JSON.parse(String(event.data))));
    socket.addEventListener("error", () => reject(new Error(`WebSocket ${url} failed`)));
  });
  await new Promise<void>((resolve) => socket.addEventListener("open", () => resolve()));
  socket.send(
    JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "wss", version: "1" } },
    }),
  );
  try {
    return await answer;
  } finally {
    socket.close();
  }
}

describe("/ws over TLS", () => {
  for (const [what, tls] of [
    ["server.tls (Bun.serve terminates TLS)", () => ({ cert, key })],
    [
      "server.tls with client_ca (the mTLS terminator forwards to Bun.serve)",
      () => ({ cert, key, ca: cert, requireCert: false }),
    ],
  ] as [string, () => FrontEndTls][]) {
    test(`wss:// works with ${what}`, async () => {
      const http = startHttpFrontEnd(gateway, {
        host: "127.0.0.1",
        port: 0,
        surface: { kind: "meta" },
        tls: tls(),
      });
      try {
        expect(http.url.protocol).toBe("https:");
        const url = wsUrl(http.url);
        expect(url.protocol).toBe("wss:");
        expect(await initializeOver(url)).toMatchObject({
          id: 1,
          result: { serverInfo: { name: "mcp-gateway" } },
        });
      } finally {
        await http.stop();
      }
    });
  }
});

describe("wss:// backends", () => {
  test("a gateway process reaches another's /ws over TLS, trusting the CA from NODE_EXTRA_CA_CERTS", async () => {
    const upstream = startHttpFrontEnd(gateway, {
      host: "127.0.0.1",
      port: 0,
      surface: { kind: "meta" },
      tls: { cert, key },
    });
    const configPath = join(dir, "downstream.yaml");
    await Bun.write(
      configPath,
      `capabilities:\n  enabled: false\nbackends:\n  upstream:\n    http_url: "${wsUrl(upstream.url)}"\n    lazy: false\n`,
    );
    const downstream = await spawnGateway(["--config", configPath], {
      env: { NODE_EXTRA_CA_CERTS: join(dir, "server.crt") },
    });
    try {
      const client = await connectHttp(new URL("/mcp", downstream.url));
      const result = await client.callTool({
        name: "gateway_invoke",
        arguments: { server: "upstream", tool: "gateway_list_servers", arguments: {} },
      });
      expect(result.isError).toBeFalsy();
      expect(JSON.stringify(result.content)).toContain("servers");
      await client.close();
    } finally {
      downstream.proc.kill("SIGTERM");
      await downstream.proc.exited;
      await upstream.stop();
    }
  });
});
