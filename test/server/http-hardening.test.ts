import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { parseConfig } from "../../src/config/load.ts";
import { Gateway } from "../../src/gateway/gateway.ts";
import { type HttpFrontEnd, startHttpFrontEnd } from "../../src/server/http/front-end.ts";
import { startTestGateway, type TestGateway, tempDir } from "../helpers/gateway.ts";
import { BUN, ROOT } from "../helpers/paths.ts";
import { rawExchange } from "../helpers/raw-socket.ts";

// Hostile and careless HTTP input (issue 11): each answer is a clear JSON-RPC error, never a hang, a 500
// or a stream left open.

const FIXTURE = join(ROOT, "test/fixtures/paginating-server.ts");
const ACCEPT = { accept: "application/json, text/event-stream", "content-type": "application/json" };
const INIT = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
};

async function initSession(url: URL): Promise<string> {
  const res = await fetch(url, { method: "POST", headers: ACCEPT, body: JSON.stringify(INIT) });
  await res.text();
  const id = res.headers.get("mcp-session-id");
  if (!id) throw new Error(`initialize answered ${res.status} without a session`);
  await fetch(url, {
    method: "POST",
    headers: { ...ACCEPT, "mcp-session-id": id },
    body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
  });
  return id;
}

describe("request bodies and paths", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway(`capabilities: { enabled: false }
server: { max_body_size: 1024 }
backends:
  fixture:
    command: '"${BUN}" "${FIXTURE}" --count 12'
`);
  });
  afterAll(async () => {
    await gw?.stop();
  });

  test("an oversized body is a JSON-RPC 413, declared or streamed", async () => {
    const big = JSON.stringify({ ...INIT, params: { ...INIT.params, pad: "x".repeat(5000) } });
    const declared = await fetch(gw.mcpUrl, { method: "POST", headers: ACCEPT, body: big });
    expect(declared.status).toBe(413);
    expect(((await declared.json()) as { error: { message: string } }).error.message).toContain("1024 bytes");
    // Chunked, no content-length: the reader stops at the limit.
    const chunks = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 5; i++) controller.enqueue(new TextEncoder().encode("x".repeat(1000)));
        controller.close();
      },
    });
    const streamed = await fetch(gw.mcpUrl, { method: "POST", headers: ACCEPT, body: chunks });
    expect(streamed.status).toBe(413);
    expect(((await streamed.json()) as { jsonrpc: string }).jsonrpc).toBe("2.0");
  });

  test("a malformed %-escape in /mcp/{backend} is a 404 naming the backend, not a 500", async () => {
    const res = await fetch(new URL("/mcp/%E0%A4%A", gw.http.url), {
      method: "POST",
      headers: ACCEPT,
      body: "{}",
    });
    expect(res.status).toBe(404);
    expect(await res.text()).toContain("Unknown backend");
  });

  test("an HTTP/1.0 request without Host is a 400", async () => {
    const answer = await rawExchange(
      Number(gw.http.url.port),
      "POST /mcp HTTP/1.0\r\nContent-Length: 2\r\n\r\n{}",
      { until: /\r\n\r\n.*\}/s },
    );
    expect(answer.split("\r\n")[0]).toContain("400");
    expect(answer).toContain("Host header is required");
  });

  test("a duplicate in-flight id is refused and the first request is still answered", async () => {
    const id = await initSession(gw.mcpUrl);
    const headers = { ...ACCEPT, "mcp-session-id": id };
    const call = (ms: number): Promise<Response> =>
      fetch(gw.mcpUrl, {
        method: "POST",
        headers,
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 7,
          method: "tools/call",
          params: {
            name: "gateway_invoke",
            arguments: { server: "fixture", tool: "slow", arguments: { ms } },
          },
        }),
      });
    const first = call(400);
    // The first is in flight once the backend counts it.
    for (let i = 0; i < 200; i++) {
      const counts = await fetch(gw.mcpUrl, {
        method: "POST",
        headers,
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 100 + i,
          method: "tools/call",
          params: { name: "gateway_invoke", arguments: { server: "fixture", tool: "get_call_count" } },
        }),
      });
      if ((await counts.text()).includes('\\"slow\\":1')) break;
    }
    const second = await call(10);
    expect(second.status).toBe(400);
    const refusal = (await second.json()) as { id: number; error: { message: string } };
    expect(refusal.id).toBe(7);
    expect(refusal.error.message).toContain("already in flight");
    const answered = await (await first).text();
    expect(answered).toContain('"id":7');
    expect(answered).not.toContain('"error"');
    // Once answered, the id may be used again.
    expect((await call(10)).status).toBe(200);
  });

  test("a body that never finishes is cut off at the deadline with a 408", async () => {
    const { config } = parseConfig("capabilities: { enabled: false }\n", { file: "t.yaml" });
    const gateway = Gateway.fromConfig(config);
    const http = startHttpFrontEnd(gateway, {
      host: "127.0.0.1",
      port: 0,
      surface: { kind: "meta" },
      bodyTimeoutMs: 200,
    });
    try {
      const answer = await rawExchange(
        Number(http.url.port),
        'POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"jsonrpc"',
        { until: /\r\n\r\n.*\}/s },
      );
      expect(answer.split("\r\n")[0]).toContain("408");
      expect(answer).toContain("did not arrive within 200 ms");
    } finally {
      await http.stop();
      await gateway.stop();
    }
  });
});

describe("session limits (injected clock)", () => {
  let now = 1_000_000;
  let http: HttpFrontEnd;
  let gateway: Gateway;
  beforeAll(() => {
    const { config } = parseConfig(
      `capabilities: { enabled: false }
lifecycle: { cache_dir: "${tempDir()}" }
server: { max_sessions: 3, session_idle_timeout: 1h, unused_session_timeout: 1m }
`,
      { file: "t.yaml" },
    );
    gateway = Gateway.fromConfig(config);
    http = startHttpFrontEnd(gateway, {
      host: "127.0.0.1",
      port: 0,
      surface: { kind: "meta" },
      now: () => now,
    });
  });
  afterAll(async () => {
    await http?.stop();
    await gateway?.stop();
  });

  const url = (): URL => new URL("/mcp", http.url);
  const ping = (id: string): Promise<Response> =>
    fetch(url(), {
      method: "POST",
      headers: { ...ACCEPT, "mcp-session-id": id },
      body: JSON.stringify({ jsonrpc: "2.0", id: 9, method: "ping" }),
    });

  test("at max_sessions a new session closes the longest-idle one", async () => {
    await http.sessions.closeAll();
    const first = await initSession(url());
    now += 1000;
    const second = await initSession(url());
    now += 1000;
    const third = await initSession(url());
    now += 1000;
    await (await ping(first)).text(); // first is now the most recently used
    const fourth = await initSession(url());
    expect(http.sessions.size).toBe(3);
    expect((await ping(second)).status).toBe(404);
    for (const id of [first, third, fourth]) expect((await ping(id)).status).toBe(200);
  });

  test("a session that never made a request expires after unused_session_timeout; a used one stays", async () => {
    await http.sessions.closeAll();
    const unused = await initSession(url());
    const used = await initSession(url());
    await (await ping(used)).text();
    now += 61_000;
    expect(await http.sessions.sweep()).toBe(1);
    expect((await ping(unused)).status).toBe(404);
    expect((await ping(used)).status).toBe(200);
  });
});

describe("session ids in logs", () => {
  test("a call's log line names its session by a short hash, never by the id itself", async () => {
    const { spawnGateway } = await import("../helpers/process.ts");
    const dir = tempDir();
    await Bun.write(
      join(dir, "gateway.yaml"),
      `capabilities: { enabled: false }\nbackends:\n  fixture:\n    command: '"${BUN}" "${FIXTURE}" --count 12'\n`,
    );
    const gw = await spawnGateway(["--config", join(dir, "gateway.yaml"), "--log-format", "json"]);
    try {
      const url = new URL("/mcp", gw.url);
      const id = await initSession(url);
      const res = await fetch(url, {
        method: "POST",
        headers: { ...ACCEPT, "mcp-session-id": id },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 2,
          method: "tools/call",
          params: { name: "gateway_invoke", arguments: { server: "fixture", tool: "count_calls" } },
        }),
      });
      expect(await res.text()).toContain("call #1");
      const { waitFor } = await import("../helpers/process.ts");
      const line = await waitFor("the call's log line", () =>
        gw
          .stderr()
          .split("\n")
          .filter((l) => l.startsWith("{"))
          .map((l) => JSON.parse(l) as Record<string, unknown>)
          .find((l) => l.tool === "count_calls"),
      );
      expect(line.session).toMatch(/^[0-9a-f]{8}$/);
      expect(gw.stderr()).not.toContain(id);
    } finally {
      gw.proc.kill();
      await gw.proc.exited;
    }
  });
});

describe("deeply nested and very wide bodies", () => {
  test("jsonShapeProblem counts keys per object at any depth, without recursion; arrays are not objects", async () => {
    const { jsonShapeProblem } = await import("../../src/server/json-shape.ts");
    const limits = { maxDepth: 3, maxKeys: 2 };
    expect(jsonShapeProblem({ a: [1, { b: 2 }] }, limits)).toBeUndefined();
    expect(jsonShapeProblem("flat", { maxDepth: 0, maxKeys: 0 })).toBeUndefined();
    expect(jsonShapeProblem({ a: { x: 1, y: 2, z: 3 } }, limits)).toBe("has an object with more than 2 keys");
    expect(jsonShapeProblem([[[{ x: 1, y: 2, z: 3 }]]], limits)).toBe("has an object with more than 2 keys");
    // An array is not an object with keys: a long list stays within the limits.
    expect(jsonShapeProblem({ a: [1, 2, 3, 4, 5] }, limits)).toBeUndefined();
    // 100,000 levels walked without overflowing the stack (the text check refuses such a body first).
    const deep = JSON.parse(`${"[".repeat(100_000)}${"]".repeat(100_000)}`);
    expect(jsonShapeProblem(deep)).toBeUndefined();
  });

  test("textShapeProblem finds the depth in the raw text, ignoring brackets inside strings", async () => {
    const { textShapeProblem } = await import("../../src/server/json-shape.ts");
    const bytes = (text: string) => new TextEncoder().encode(text);
    const limits = (maxDepth: number) => ({ maxDepth, maxKeys: 10 });
    for (const form of [(t: string) => t, bytes]) {
      expect(textShapeProblem(form('{"a":[1,{"b":2}]}'), limits(3))).toBeUndefined();
      expect(textShapeProblem(form('{"a":[1,{"b":[]}]}'), limits(3))).toBe("nests deeper than 3 levels");
      // Brackets in strings, escaped quotes included, are text, not nesting.
      expect(textShapeProblem(form('{"a":"[[[[\\"[[[["}'), limits(2))).toBeUndefined();
      expect(textShapeProblem(form('["é", ["ü", ["ß"]]]'), limits(2))).toBe("nests deeper than 2 levels");
      // Siblings do not add up: depth is what is open at once.
      expect(textShapeProblem(form("[[],[],[],[],[]]"), limits(2))).toBeUndefined();
    }
    // The default limit: 256 levels pass, 257 do not.
    const at = (n: number) => `${"[".repeat(n)}${"]".repeat(n)}`;
    expect(textShapeProblem(at(256))).toBeUndefined();
    expect(textShapeProblem(at(257))).toBe("nests deeper than 256 levels");
  });

  test("a body nested 100,000 deep is a 400 at once, and the gateway keeps answering", async () => {
    const gw = await startTestGateway("capabilities: { enabled: false }\n");
    try {
      const id = await initSession(gw.mcpUrl);
      const args = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
      const res = await fetch(gw.mcpUrl, {
        method: "POST",
        headers: { ...ACCEPT, "mcp-session-id": id },
        body: `{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"gateway_invoke","arguments":{"server":"x","tool":"y","arguments":{"deep":${args}}}}}`,
      });
      expect(res.status).toBe(400);
      expect(await res.text()).toContain("nests deeper than 256");
      const ping = await fetch(gw.mcpUrl, {
        method: "POST",
        headers: { ...ACCEPT, "mcp-session-id": id },
        body: JSON.stringify({ jsonrpc: "2.0", id: 6, method: "ping" }),
      });
      expect(ping.status).toBe(200);
    } finally {
      await gw.stop();
    }
  });

  test("a params object of 100,000 keys is a 400 naming the limit; 10,000 keys still pass", async () => {
    const gw = await startTestGateway("capabilities: { enabled: false }\n");
    try {
      const id = await initSession(gw.mcpUrl);
      const wide = (n: number): Record<string, number> =>
        Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));
      const res = await fetch(gw.mcpUrl, {
        method: "POST",
        headers: { ...ACCEPT, "mcp-session-id": id },
        body: JSON.stringify({ jsonrpc: "2.0", id: 7, method: "tools/list", params: wide(100_000) }),
      });
      expect(res.status).toBe(400);
      const body = (await res.json()) as { id: unknown; error: { code: number; message: string } };
      expect(body.error.code).toBe(-32600);
      expect(body.error.message).toContain("more than 10000 keys");
      const ok = await fetch(gw.mcpUrl, {
        method: "POST",
        headers: { ...ACCEPT, "mcp-session-id": id },
        body: JSON.stringify({ jsonrpc: "2.0", id: 8, method: "tools/list", params: wide(10_000) }),
      });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain("gateway_invoke");
    } finally {
      await gw.stop();
    }
  });
});

describe("event streams start at once", () => {
  test("GET /mcp answers its headers and a first comment before any event exists", async () => {
    const gw = await startTestGateway("capabilities: { enabled: false }\n");
    try {
      const id = await initSession(gw.mcpUrl);
      const abort = new AbortController();
      // fetch resolves once the headers arrive: before this change it waited for the first event.
      const res = await fetch(gw.mcpUrl, {
        headers: { accept: "text/event-stream", "mcp-session-id": id, "mcp-protocol-version": "2025-11-25" },
        signal: abort.signal,
        // A deadline far below the 15 s keep-alive: only the opening comment can satisfy it.
      }).then(async (r) => {
        const reader = r.body?.getReader();
        const first = await reader?.read();
        return { status: r.status, first: new TextDecoder().decode(first?.value) };
      });
      abort.abort();
      expect(res.status).toBe(200);
      expect(res.first).toBe(": open\n\n");
    } finally {
      await gw.stop();
    }
  });
});

describe("refused initializes", () => {
  test("an initialize the transport refuses leaves no session attached to the gateway", async () => {
    const gw = await startTestGateway("capabilities: { enabled: false }\n");
    try {
      const before = gw.core.hub.sessionCount;
      for (let i = 0; i < 20; i++) {
        // Accept without text/event-stream: the transport answers 406 after the session server was made.
        const res = await fetch(gw.mcpUrl, {
          method: "POST",
          headers: { accept: "text/plain", "content-type": "application/json" },
          body: JSON.stringify(INIT),
        });
        expect(res.status).toBe(406);
        await res.text();
      }
      expect(gw.core.hub.sessionCount).toBe(before);
      expect(gw.http.sessions.size).toBe(0);
    } finally {
      await gw.stop();
    }
  });

  test("an initialize sent as a notification (no id) opens no session the client could never name", async () => {
    const gw = await startTestGateway("capabilities: { enabled: false }\n");
    try {
      const before = gw.core.hub.sessionCount;
      const { id: _id, ...notification } = INIT as { id: unknown };
      for (const body of [notification, { ...notification, id: null }, [notification]]) {
        const res = await fetch(gw.mcpUrl, {
          method: "POST",
          headers: { accept: "application/json, text/event-stream", "content-type": "application/json" },
          body: JSON.stringify(body),
        });
        expect(res.status).toBe(400);
        expect(res.headers.get("mcp-session-id")).toBeNull();
        const answer = (await res.json()) as { error: { message: string } };
        expect(answer.error.message).toContain("initialize");
      }
      expect(gw.http.sessions.size).toBe(0);
      expect(gw.core.hub.sessionCount).toBe(before);
      // A real initialize still opens one, and its answer names it.
      const ok = await fetch(gw.mcpUrl, {
        method: "POST",
        headers: { accept: "application/json, text/event-stream", "content-type": "application/json" },
        body: JSON.stringify(INIT),
      });
      expect(ok.status).toBe(200);
      await ok.text();
      expect(ok.headers.get("mcp-session-id")).toBeTruthy();
      expect(gw.http.sessions.size).toBe(1);
    } finally {
      await gw.stop();
    }
  });
});
