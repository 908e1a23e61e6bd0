import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { addKey, revokeKey, rotateKey } from "../../src/auth/manage.ts";
import { serverCommand } from "../helpers/paths.ts";
import { type AuthGateway, connectWithKey, startAuthGateway } from "./helpers.ts";

const INIT = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } },
};
const JSON_HEADERS = { "content-type": "application/json", accept: "application/json, text/event-stream" };

let gw: AuthGateway;
let admin: string;
let user: string;

beforeAll(async () => {
  gw = await startAuthGateway(`
auth: {}
backends:
  everything:
    command: '${serverCommand("everything", "stdio")}'
`);
  admin = await addKey(gw.keysPath, "root", { scopes: ["admin"] });
  user = await addKey(gw.keysPath, "user", { scopes: ["everything/echo"] });
  gw.auth?.reloadKeys();
});
afterAll(() => gw.stop());

/** Resolves after the gateway has re-read its keys file (the file watch fired). */
function reloaded(): Promise<void> {
  return new Promise((resolve) => {
    const off = gw.auth?.onReload(() => {
      off?.();
      resolve();
    });
  });
}

describe("API keys over HTTP", () => {
  test("every MCP route answers 401 with a challenge naming the resource metadata", async () => {
    for (const [method, path] of [
      ["POST", "/mcp"],
      ["POST", "/mcp/everything"],
      ["GET", "/sse"],
      ["POST", "/message?sessionId=x"],
    ] as const) {
      const response = await fetch(new URL(path, gw.url), {
        method,
        headers: JSON_HEADERS,
        ...(method === "POST" ? { body: JSON.stringify(INIT) } : {}),
      });
      expect(response.status).toBe(401);
      const challenge = response.headers.get("www-authenticate") ?? "";
      const base = path.startsWith("/mcp") ? path : "";
      expect(challenge).toBe(
        `Bearer resource_metadata="${gw.url.origin}/.well-known/oauth-protected-resource${base}"`,
      );
    }
    const wrong = await fetch(new URL("/mcp", gw.url), {
      method: "POST",
      headers: { ...JSON_HEADERS, authorization: `Bearer ${user.slice(0, -4)}AAAA` },
      body: JSON.stringify(INIT),
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("www-authenticate")).toContain('error="invalid_token"');
  });

  test("the resource metadata is public and names this gateway", async () => {
    const response = await fetch(new URL("/.well-known/oauth-protected-resource/mcp", gw.url));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      resource: `${gw.url.origin}/mcp`,
      bearer_methods_supported: ["header"],
    });
  });

  test("a key works as a bearer token and as X-API-Key", async () => {
    const client = await connectWithKey(new URL("/mcp", gw.url), user);
    expect((await client.listTools()).tools.map((t) => t.name)).toContain("gateway_invoke");
    await client.close();
    const response = await fetch(new URL("/mcp", gw.url), {
      method: "POST",
      headers: { ...JSON_HEADERS, "x-api-key": user },
      body: JSON.stringify(INIT),
    });
    expect(response.status).toBe(200);
    await response.body?.cancel();
  });

  test("/health shows only status without the admin scope; /metrics needs it", async () => {
    const get = (path: string, key?: string) =>
      fetch(new URL(path, gw.url), key ? { headers: { authorization: `Bearer ${key}` } } : {});
    expect(await (await get("/health")).json()).toEqual({ status: "ok" });
    expect(await (await get("/health", user)).json()).toEqual({ status: "ok" });
    expect(await (await get("/health", admin)).json()).toHaveProperty("backends.everything");
    expect((await get("/metrics")).status).toBe(401);
    expect((await get("/metrics", user)).status).toBe(403);
    const metrics = await get("/metrics", admin);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain("mcp_gateway_");
  });

  test("a session id is refused with another principal's key", async () => {
    const client = await connectWithKey(new URL("/mcp", gw.url), user);
    const transport = client.transport as { sessionId?: string } | undefined;
    const response = await fetch(new URL("/mcp", gw.url), {
      method: "POST",
      headers: {
        ...JSON_HEADERS,
        authorization: `Bearer ${admin}`,
        "mcp-session-id": transport?.sessionId ?? "",
        "mcp-protocol-version": "2025-06-18",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" }),
    });
    expect(response.status).toBe(403);
    await client.close();
  });

  test("a revoked key is refused once the file is re-read; a rotated one only in its new form", async () => {
    const temp = await addKey(gw.keysPath, "temp", { scopes: ["everything"] });
    let reload = reloaded();
    gw.auth?.reloadKeys();
    await reload;
    const client = await connectWithKey(new URL("/mcp", gw.url), temp);
    reload = reloaded();
    revokeKey(gw.keysPath, "temp");
    await reload; // the file watch, not a call by hand
    await expect(client.listTools()).rejects.toThrow();
    await expect(connectWithKey(new URL("/mcp", gw.url), temp)).rejects.toThrow();

    reload = reloaded();
    const next = await rotateKey(gw.keysPath, "user");
    await reload;
    await expect(connectWithKey(new URL("/mcp", gw.url), user)).rejects.toThrow();
    const rotated = await connectWithKey(new URL("/mcp", gw.url), next);
    expect((await rotated.listTools()).tools.length).toBe(4);
    await rotated.close();
    user = next;
  });

  test("a key's rate limit refuses calls beyond it, as a tool result", async () => {
    const slow = await addKey(gw.keysPath, "slow", { scopes: ["everything"], rate: 0.01 });
    const reload = reloaded();
    gw.auth?.reloadKeys();
    await reload;
    const client = await connectWithKey(new URL("/mcp", gw.url), slow);
    const call = () =>
      client.callTool({
        name: "gateway_invoke",
        arguments: { server: "everything", tool: "echo", arguments: { message: "x" } },
      });
    expect((await call()).isError).toBeFalsy();
    const refused = await call();
    expect(refused.isError).toBe(true);
    expect(JSON.stringify(refused)).toContain("0.01 request(s) per second");
    await client.close();
  });
});
