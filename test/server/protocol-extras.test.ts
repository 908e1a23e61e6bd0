import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import {
  PromptListChangedNotificationSchema,
  ResourceUpdatedNotificationSchema,
  ToolListChangedNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { encode } from "gpt-tokenizer";
import { z } from "zod";
import { probeTransport } from "../../src/backends/http-transports.ts";
import { META_TOOLS } from "../../src/server/meta-tool-definitions.ts";
import { connectHttp, startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { startEverythingHttp } from "../helpers/http-servers.ts";
import { BUN, ROOT } from "../helpers/paths.ts";
import { waitFor } from "../helpers/process.ts";

const FIXTURE = join(ROOT, "test/fixtures/conformance-server.ts");
const Raw = z.looseObject({});

describe("meta-tool surface budget", () => {
  test("the four definitions cost at most 300 o200k tokens as model APIs receive them", () => {
    const asSent = META_TOOLS.map((t) => ({
      name: t.name,
      description: t.description,
      input_schema: t.inputSchema,
    }));
    const tokens = encode(JSON.stringify(asSent)).length;
    expect(tokens).toBeLessThanOrEqual(300);
    expect(tokens).toBeGreaterThan(100);
  });
});

describe("transport detection", () => {
  test("a Streamable HTTP server is detected as such, a legacy SSE endpoint falls back to sse", async () => {
    const [streamable, sse] = await Promise.all([
      startEverythingHttp("streamableHttp"),
      startEverythingHttp("sse"),
    ]);
    try {
      expect(await probeTransport({ url: streamable.url, headers: {} })).toBe("streamable-http");
      expect(await probeTransport({ url: sse.url, headers: {} })).toBe("sse");
    } finally {
      await Promise.all([streamable.stop(), sse.stop()]);
    }
  });

  test("an unreachable URL is a clear error", async () => {
    await expect(probeTransport({ url: new URL("http://127.0.0.1:9/mcp"), headers: {} })).rejects.toThrow(
      "cannot reach",
    );
  });
});

describe("list changes, subscriptions and tasks through transparent /mcp", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway(
      `capabilities: { enabled: false }\nbackends:\n  conf:\n    command: '"${BUN}" "${FIXTURE}"'\n`,
      { kind: "transparent" },
    );
  });
  afterAll(async () => {
    await gw?.stop();
  });

  test("a backend's tools and prompts list_changed reach the client, with the new items listed", async () => {
    const client = await connectHttp(gw.mcpUrl);
    let toolsChanged = 0;
    let promptsChanged = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      toolsChanged++;
    });
    client.setNotificationHandler(PromptListChangedNotificationSchema, () => {
      promptsChanged++;
    });
    await client.callTool({ name: "conf__test_dynamic_tool", arguments: { kind: "tool" } });
    await waitFor("tools/list_changed", () => (toolsChanged > 0 ? true : undefined));
    expect((await client.listTools()).tools.map((t) => t.name)).toContain("conf__test_dynamic_extra");
    await client.callTool({ name: "conf__test_dynamic_tool", arguments: { kind: "prompt" } });
    await waitFor("prompts/list_changed", () => (promptsChanged > 0 ? true : undefined));
    expect((await client.listPrompts()).prompts.map((p) => p.name)).toContain("conf__test_dynamic_prompt");
    await client.close();
  });

  test("resources/updated reaches only the session that subscribed", async () => {
    const subscriber = await connectHttp(gw.mcpUrl);
    const bystander = await connectHttp(gw.mcpUrl);
    const seen: string[] = [];
    const bystanderSeen: string[] = [];
    subscriber.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
      seen.push(n.params.uri);
    });
    bystander.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
      bystanderSeen.push(n.params.uri);
    });
    await subscriber.subscribeResource({ uri: "test://watched-resource" });
    await bystander.callTool({ name: "conf__test_update_resource", arguments: {} });
    await waitFor("resources/updated", () => (seen.length > 0 ? true : undefined));
    expect(seen).toContain("test://watched-resource");
    expect(bystanderSeen).toEqual([]);
    await Promise.all([subscriber.close(), bystander.close()]);
  });

  test("a task-augmented call is refused with a clear error, never left hanging", async () => {
    const client = await connectHttp(gw.mcpUrl);
    const failed = await client
      .request(
        {
          method: "tools/call",
          params: { name: "conf__test_simple_text", arguments: {}, task: { ttl: 1000 } },
        },
        Raw,
        { timeout: 5000 },
      )
      .catch((err: Error) => err);
    // The gateway declares no tasks capability; the request is refused at once with an error naming tasks.
    expect(failed).toBeInstanceOf(Error);
    expect(String(failed)).toMatch(/task/i);
    await client.close();
  });

  test("a tool's own name works too when only one backend has it", async () => {
    const client = await connectHttp(gw.mcpUrl);
    const result = await client.callTool({ name: "test_simple_text", arguments: {} });
    expect(JSON.stringify(result.content)).toContain("text");
    await client.close();
  });
});
