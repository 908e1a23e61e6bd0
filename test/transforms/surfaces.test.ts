import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { z } from "zod";
import { startHttpFrontEnd } from "../../src/server/http/front-end.ts";
import { connectHttp, startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { metaCall } from "../helpers/in-process.ts";
import { serverCommand } from "../helpers/paths.ts";

// Every kind of step, through every surface, against the real reference server.
const CONFIG = `
server:
  request_timeout: 20s
meta_mcp:
  surfaced: [everything/ev_add]
backends:
  everything:
    command: '${serverCommand("everything", "stdio")}'
    transforms:
      - deny: ["toggle-*", "trigger-*", "gzip-*", "simulate-*"]
      - rename: { get-sum: add }
      - prefix: ev_
      - description: { ev_add: "Adds b (always 40) to a" }
      - arguments: { tools: [ev_add], hide: [b], defaults: { b: 40 } }
      - arguments: { tools: [ev_echo], defaults: { message: "default message" } }
      - result: { tools: [ev_get-structured-content], pick: "$.temperature" }
      - result: { tools: [ev_echo], truncate: 12 }
`;

const Raw = z.looseObject({});
type ToolShape = {
  name: string;
  description?: string;
  inputSchema: Record<string, unknown>;
  outputSchema?: unknown;
};

let gw: TestGateway;
let transparent: Client;
let direct: Client;

beforeAll(async () => {
  gw = await startTestGateway(CONFIG, { kind: "transparent" });
  transparent = await connectHttp(gw.mcpUrl);
  direct = await connectHttp(new URL("/mcp/everything", gw.http.url));
});

afterAll(async () => {
  await transparent?.close();
  await direct?.close();
  await gw?.stop();
});

function structured(result: Record<string, unknown>): Record<string, unknown> {
  return result.structuredContent as Record<string, unknown>;
}

function text(result: Record<string, unknown>): string {
  return (result.content as { text: string }[]).map((c) => c.text).join("");
}

describe("a transform chain on the meta surface", () => {
  test("gateway_list_tools shows the transformed names, filtered, in the backend's order", async () => {
    const listed = structured(await metaCall(gw, "gateway_list_tools", { server: "everything" }));
    const tools = listed.tools as ToolShape[];
    expect(tools.map((t) => t.name)).toEqual([
      "ev_echo",
      "ev_get-annotated-message",
      "ev_get-env",
      "ev_get-resource-links",
      "ev_get-resource-reference",
      "ev_get-structured-content",
      "ev_add",
      "ev_get-tiny-image",
    ]);
    const add = tools.find((t) => t.name === "ev_add");
    expect(add?.description).toBe("Adds b (always 40) to a");
    expect(Object.keys((add?.inputSchema.properties as object) ?? {})).toEqual(["a"]);
  });

  test("search finds a tool by its new name and description, never by a denied one", async () => {
    const hits = structured(await metaCall(gw, "gateway_search_tools", { query: "adds always 40" }));
    const matches = hits.matches as { server: string; tool: string }[];
    expect(matches[0]).toMatchObject({ server: "everything", tool: "ev_add" });
    const denied = structured(
      await metaCall(gw, "gateway_search_tools", { query: "long running operation" }),
    );
    expect((denied.matches as { tool: string }[]).map((m) => m.tool)).not.toContain(
      "ev_trigger-long-running-operation",
    );
  });

  test("gateway_invoke of a renamed tool reaches the backend's own name with the hidden argument filled", async () => {
    const result = await metaCall(gw, "gateway_invoke", {
      server: "everything",
      tool: "ev_add",
      arguments: { a: 2, b: 1000 },
    });
    expect(result.isError).toBeFalsy();
    // b is hidden and fixed at 40: what the client sent for it is ignored.
    expect(text(result)).toContain("42");
    expect(gw.core.usage.get("everything", "ev_add")?.calls).toBeGreaterThanOrEqual(1);
  });

  test("the backend's own name and a denied tool are unknown tools", async () => {
    const own = await metaCall(gw, "gateway_invoke", {
      server: "everything",
      tool: "get-sum",
      arguments: {},
    });
    expect(own.isError).toBe(true);
    const denied = await metaCall(gw, "gateway_invoke", {
      server: "everything",
      tool: "ev_toggle-simulated-logging",
      arguments: {},
    });
    expect(denied.isError).toBe(true);
    expect(text(denied)).toContain("Unknown tool");
  });
});

describe("a transform chain on the transparent surface", () => {
  test("tools/list shows the transformed tools; a picked result loses its outputSchema", async () => {
    const { tools } = await transparent.listTools();
    const names = tools.map((t) => t.name);
    expect(names).toContain("everything__ev_add");
    expect(names).not.toContain("everything__get-sum");
    expect(names.some((n) => n.includes("toggle"))).toBe(false);
    const weather = tools.find((t) => t.name === "everything__ev_get-structured-content");
    expect(weather?.outputSchema).toBeUndefined();
    const echo = tools.find((t) => t.name === "everything__ev_echo");
    expect(echo?.inputSchema.required ?? []).not.toContain("message");
    expect((echo?.inputSchema.properties?.message as { default?: unknown } | undefined)?.default).toBe(
      "default message",
    );
  });

  test("a default fills a left-out argument, and a long text is cut with a marker", async () => {
    const result = await transparent.request(
      { method: "tools/call", params: { name: "everything__ev_echo", arguments: {} } },
      Raw,
    );
    expect(text(result)).toBe("Echo: defaul\n… [truncated: 12 of 21 characters shown]");
  });

  test("pick keeps one field of the structured content and of the JSON text", async () => {
    const result = await transparent.request(
      {
        method: "tools/call",
        params: { name: "everything__ev_get-structured-content", arguments: { location: "Chicago" } },
      },
      Raw,
    );
    const value = structured(result).value;
    expect(typeof value).toBe("number");
    expect(text(result)).toBe(String(value));
  });
});

describe("a transform chain on a direct session (/mcp/{backend})", () => {
  test("tools/list is the transformed list", async () => {
    const { tools } = await direct.listTools();
    expect(tools.map((t) => t.name)).toContain("ev_add");
    expect(tools.map((t) => t.name)).not.toContain("get-sum");
  });

  test("a call by the new name works; the old name and denied names are refused", async () => {
    const ok = await direct.request(
      { method: "tools/call", params: { name: "ev_add", arguments: { a: 1 } } },
      Raw,
    );
    expect(text(ok)).toContain("41");
    for (const name of ["get-sum", "ev_toggle-simulated-logging", "echo"]) {
      const refused = await direct
        .request({ method: "tools/call", params: { name, arguments: {} } }, Raw)
        .then(
          (r) => r,
          (e: unknown) => ({ isError: true, content: [{ text: String(e) }] }),
        );
      expect(refused.isError).toBe(true);
    }
  });
});

describe("a transformed tool surfaced beside the meta-tools", () => {
  test("is listed by its new name and called through the chain", async () => {
    const meta = startHttpFrontEnd(gw.gateway, { host: "127.0.0.1", port: 0, surface: { kind: "meta" } });
    const client = await connectHttp(new URL("/mcp", meta.url));
    try {
      const { tools } = await client.listTools();
      const add = tools.find((t) => t.name === "everything__ev_add");
      expect(add?.description).toBe("Adds b (always 40) to a");
      const result = await client.request(
        { method: "tools/call", params: { name: "everything__ev_add", arguments: { a: 5 } } },
        Raw,
      );
      expect(text(result)).toContain("45");
    } finally {
      await client.close();
      await meta.stop();
    }
  });
});
