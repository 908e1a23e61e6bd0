import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { z } from "zod";
import { parseConfig } from "../../src/config/load.ts";
import { Gateway } from "../../src/gateway/gateway.ts";
import { exposedName } from "../../src/gateway/tool-names.ts";
import { startHttpFrontEnd } from "../../src/server/http/front-end.ts";
import { connectHttp, startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { serverCommand } from "../helpers/paths.ts";

const CONFIG = `
server:
  max_body_size: 65536
backends:
  everything:
    command: '${serverCommand("everything", "stdio")}'
    description: "Reference server"
`;

const ACCEPT = { accept: "application/json, text/event-stream", "content-type": "application/json" };
const INIT = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
};

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway(CONFIG);
});
afterAll(async () => {
  await gw?.stop();
});

function post(body: string, headers: Record<string, string> = {}, path = "/mcp"): Promise<Response> {
  return fetch(new URL(path, gw.http.url), { method: "POST", headers: { ...ACCEPT, ...headers }, body });
}

async function initSession(protocolVersion = "2025-11-25"): Promise<{ id: string; res: Response }> {
  const res = await post(JSON.stringify({ ...INIT, params: { ...INIT.params, protocolVersion } }));
  return { id: res.headers.get("mcp-session-id") ?? "", res };
}

describe("Streamable HTTP front end", () => {
  test("initialize creates a session with a long random id", async () => {
    const a = await initSession();
    const b = await initSession();
    expect(a.res.status).toBe(200);
    expect(a.id.length).toBeGreaterThanOrEqual(32);
    expect(a.id).not.toBe(b.id);
  });

  for (const version of ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"]) {
    test(`negotiates protocol version ${version}`, async () => {
      const { res } = await initSession(version);
      const text = await res.text();
      expect(text).toContain(`"protocolVersion":"${version}"`);
    });
  }

  test("an unsupported MCP-Protocol-Version header is 400", async () => {
    const { id } = await initSession();
    const res = await post(JSON.stringify({ jsonrpc: "2.0", id: 2, method: "ping" }), {
      "mcp-session-id": id,
      "mcp-protocol-version": "1999-01-01",
    });
    expect(res.status).toBe(400);
  });

  test("a notification is accepted with 202", async () => {
    const { id } = await initSession();
    const res = await post(JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }), {
      "mcp-session-id": id,
    });
    expect(res.status).toBe(202);
  });

  test("malformed JSON is a -32700 parse error, and the gateway keeps serving", async () => {
    const res = await post("{not json");
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: number } }).error.code).toBe(-32700);
    const again = await initSession();
    expect(again.res.status).toBe(200);
  });

  test("malformed JSON inside a session is also -32700", async () => {
    const { id } = await initSession();
    const res = await post("[{", { "mcp-session-id": id });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: number } }).error.code).toBe(-32700);
  });

  test("an oversized body is 413", async () => {
    const big = JSON.stringify({ ...INIT, params: { ...INIT.params, padding: "x".repeat(70_000) } });
    const res = await post(big);
    expect(res.status).toBe(413);
  });

  test("an unknown session id is 404", async () => {
    const res = await post(JSON.stringify({ jsonrpc: "2.0", id: 2, method: "ping" }), {
      "mcp-session-id": "no-such-session",
    });
    expect(res.status).toBe(404);
  });

  test("a request other than initialize without a session is 400", async () => {
    const res = await post(JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" }));
    expect(res.status).toBe(400);
  });

  test("POST without text/event-stream in Accept is 406", async () => {
    const res = await post(JSON.stringify(INIT), { accept: "application/json" });
    expect(res.status).toBe(406);
  });

  test("PUT is 405", async () => {
    const res = await fetch(new URL("/mcp", gw.http.url), { method: "PUT", body: "{}" });
    expect(res.status).toBe(405);
  });

  test("DELETE ends a session; its id is then 404", async () => {
    const { id } = await initSession();
    const del = await fetch(new URL("/mcp", gw.http.url), {
      method: "DELETE",
      headers: { "mcp-session-id": id, "mcp-protocol-version": "2025-11-25" },
    });
    expect(del.status).toBe(200);
    const res = await post(JSON.stringify({ jsonrpc: "2.0", id: 2, method: "ping" }), {
      "mcp-session-id": id,
    });
    expect(res.status).toBe(404);
  });

  test("a foreign Origin is 403 (DNS-rebinding protection)", async () => {
    const res = await post(JSON.stringify(INIT), { origin: "https://evil.example" });
    expect(res.status).toBe(403);
  });

  test("a foreign Host header is 403 while bound to loopback", async () => {
    const res = await post(JSON.stringify(INIT), { host: "evil.example" });
    expect(res.status).toBe(403);
  });

  test("a loopback Origin is allowed", async () => {
    const res = await post(JSON.stringify(INIT), { origin: "http://localhost:3000" });
    expect(res.status).toBe(200);
  });

  test("GET /health reports status, version, uptime and backends", async () => {
    const res = await fetch(new URL("/health", gw.http.url));
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      status: "ok",
      backends: { everything: { status: "running", transport: "stdio" } },
    });
    expect(typeof body.version).toBe("string");
    expect(typeof body.uptime_s).toBe("number");
  });

  test("an unknown path is 404 and says where MCP lives", async () => {
    const res = await fetch(new URL("/nope", gw.http.url));
    expect(res.status).toBe(404);
    expect(await res.text()).toContain("/mcp");
  });
});

describe("direct backend endpoint /mcp/{backend}", () => {
  test("exposes the backend's own tools unprefixed and calls them", async () => {
    const client = await connectHttp(new URL("/mcp/everything", gw.http.url));
    const { tools } = await client.listTools();
    expect(tools.some((t) => t.name === "get-sum")).toBe(true);
    expect(tools.some((t) => t.name.startsWith("gateway_"))).toBe(false);
    const result = await client.request(
      { method: "tools/call", params: { name: "get-sum", arguments: { a: 20, b: 22 } } },
      z.looseObject({}),
    );
    expect(JSON.stringify(result)).toContain("42");
    await client.close();
  });

  test("an unknown backend is 404 with a did-you-mean", async () => {
    const res = await post(JSON.stringify(INIT), {}, "/mcp/everythng");
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: { message: string } };
    expect(body.error.message).toContain('did you mean "everything"');
  });

  test("a session id from /mcp is not valid on /mcp/{backend}", async () => {
    const { id } = await initSession();
    const res = await post(
      JSON.stringify({ jsonrpc: "2.0", id: 2, method: "ping" }),
      { "mcp-session-id": id },
      "/mcp/everything",
    );
    expect(res.status).toBe(404);
  });
});

describe("transparent mode (--no-meta-mcp)", () => {
  test("lists every backend tool as <server>__<tool> and routes calls", async () => {
    const transparent = await startTestGateway(CONFIG, { kind: "transparent" });
    try {
      const client = await connectHttp(transparent.mcpUrl);
      const { tools } = await client.listTools();
      expect(tools.some((t) => t.name === "everything__get-sum")).toBe(true);
      expect(tools.some((t) => t.name.startsWith("gateway_"))).toBe(false);
      const result = await client.request(
        { method: "tools/call", params: { name: "everything__echo", arguments: { message: "routed" } } },
        z.looseObject({}),
      );
      expect(JSON.stringify(result)).toContain("routed");
      const failed = await client
        .request(
          { method: "tools/call", params: { name: "everything__ech", arguments: {} } },
          z.looseObject({}),
        )
        .catch((err: Error) => err);
      expect(String(failed)).toContain("everything__echo");
      await client.close();
    } finally {
      await transparent.stop();
    }
  });
});

describe("exposedName", () => {
  test("keeps short names readable", () => {
    expect(exposedName("github", "create_issue")).toBe("github__create_issue");
  });

  test("caps long names at 64 characters with a stable, distinct hash", () => {
    const long = "a".repeat(80);
    const one = exposedName("server", long);
    const two = exposedName("server", `${long}b`);
    expect(one.length).toBe(64);
    expect(two.length).toBe(64);
    expect(one).not.toBe(two);
    expect(exposedName("server", long)).toBe(one);
  });

  test("replaces characters model APIs refuse", () => {
    expect(exposedName("my.server", "tool.name")).toMatch(/^[A-Za-z0-9_-]+$/);
  });
});

describe("idle session expiry (injected clock)", () => {
  test("a session unused for session_idle_timeout is closed; a used one stays; the client gets 404", async () => {
    let now = 1_000_000;
    const { config } = parseConfig(
      "capabilities: { enabled: false }\nserver: { session_idle_timeout: 1h }\n",
      {
        file: "t.yaml",
      },
    );
    const gateway = Gateway.fromConfig(config);
    const http = startHttpFrontEnd(gateway, {
      host: "127.0.0.1",
      port: 0,
      surface: { kind: "meta" },
      now: () => now,
    });
    try {
      const url = new URL("/mcp", http.url);
      const open = async (): Promise<string> => {
        const res = await fetch(url, { method: "POST", headers: ACCEPT, body: JSON.stringify(INIT) });
        await res.text();
        return res.headers.get("mcp-session-id") as string;
      };
      const ping = (id: string): Promise<Response> =>
        fetch(url, {
          method: "POST",
          headers: { ...ACCEPT, "mcp-session-id": id, "mcp-protocol-version": "2025-11-25" },
          body: JSON.stringify({ jsonrpc: "2.0", id: 9, method: "ping" }),
        });
      const idle = await open();
      const busy = await open();
      now += 59 * 60_000;
      expect((await ping(busy)).status).toBe(200);
      now += 2 * 60_000;
      expect(await http.sessions.sweep()).toBe(1);
      expect((await ping(idle)).status).toBe(404);
      expect((await ping(busy)).status).toBe(200);
    } finally {
      await http.stop();
      await gateway.stop();
    }
  });
});
