import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import {
  LoggingMessageNotificationSchema,
  ResourceUpdatedNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { parseConfig } from "../../src/config/load.ts";
import { META_TOOL_NAMES } from "../../src/server/meta-tool-definitions.ts";
import { connectHttp, startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { rawExchange } from "../helpers/raw-socket.ts";
import { signGithub, signLinear, signStripe } from "./sign.ts";

const GITHUB_SECRET = "gh-secret-0123456789abcdef";
const LINEAR_SECRET = "lin_wh_0123456789abcdef";
const STRIPE_SECRET = "whsec_test_0123456789abcdef";

let gw: TestGateway;

beforeAll(async () => {
  process.env.TEST_GITHUB_WEBHOOK_SECRET = GITHUB_SECRET;
  gw = await startTestGateway(`
capabilities:
  enabled: false
webhooks:
  gh:
    provider: github
    secret: \${TEST_GITHUB_WEBHOOK_SECRET}
    description: pushes to the test repository
    keep: 3
    max_body_size: 4096
  lin:
    provider: linear
    secret: ${LINEAR_SECRET}
  pay:
    provider: stripe
    secret: ${STRIPE_SECRET}
`);
});

afterAll(async () => {
  await gw?.stop();
});

function post(name: string, headers: Record<string, string>, body: string): Promise<Response> {
  return fetch(new URL(`/webhooks/${name}`, gw.http.url), { method: "POST", headers, body });
}

let deliveries = 0;
function pushDelivery(extra: Record<string, unknown> = {}) {
  const id = `delivery-${++deliveries}`;
  const body = JSON.stringify({ ref: "refs/heads/main", n: deliveries, ...extra });
  return { id, body, headers: signGithub(GITHUB_SECRET, body, id, "push") };
}

/** An SDK session whose standalone event stream (where unsolicited notifications go) is known to be open. */
async function watchingClient(): Promise<Client> {
  const { promise: open, resolve } = Promise.withResolvers<void>();
  const transport = new StreamableHTTPClientTransport(new URL("/mcp", gw.http.url), {
    fetch: async (input, init) => {
      const response = await fetch(input, init);
      if (init?.method === "GET" && response.ok) resolve();
      return response;
    },
  });
  const client = new Client({ name: "webhook-test", version: "1.0.0" });
  await client.connect(transport);
  await open;
  return client;
}

describe("POST /webhooks/{name} → MCP", () => {
  test("a subscribed SDK session gets resources/updated and a log message; the resource reads the event", async () => {
    const subscriber = await watchingClient();
    const bystander = await watchingClient();
    const updated = Promise.withResolvers<string>();
    const logged = Promise.withResolvers<unknown>();
    const bystanderUpdates: string[] = [];
    subscriber.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) =>
      updated.resolve(n.params.uri),
    );
    subscriber.setNotificationHandler(LoggingMessageNotificationSchema, (n) => logged.resolve(n.params));
    bystander.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
      bystanderUpdates.push(n.params.uri);
    });

    const { resources } = await subscriber.listResources();
    expect(resources.map((r) => r.uri)).toEqual([
      "webhook://gh/latest",
      "webhook://lin/latest",
      "webhook://pay/latest",
    ]);
    expect(resources[0]?.description).toBe("pushes to the test repository");
    const before = await subscriber.readResource({ uri: "webhook://gh/latest" });
    expect(before.contents[0]).toMatchObject({ mimeType: "application/json", text: "null" });

    await subscriber.subscribeResource({ uri: "webhook://gh/latest" });
    const { id, body, headers } = pushDelivery();
    const response = await post("gh", headers, body);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "accepted", id });

    expect(await updated.promise).toBe("webhook://gh/latest");
    expect(await logged.promise).toMatchObject({
      level: "info",
      logger: "webhook:gh",
      data: { webhook: "gh", type: "push", id, uri: "webhook://gh/latest" },
    });
    const read = await subscriber.readResource({ uri: "webhook://gh/latest" });
    const event = JSON.parse(String((read.contents[0] as { text: string }).text));
    expect(event).toMatchObject({
      id,
      webhook: "gh",
      provider: "github",
      type: "push",
      payload: JSON.parse(body),
    });
    // The log message reaches every session; resources/updated only the subscriber.
    await bystander.ping();
    expect(bystanderUpdates).toEqual([]);
    await Promise.all([subscriber.close(), bystander.close()]);
  });

  test("the meta surface lists gateway_webhook_events fifth, and it returns events newest first", async () => {
    const client = await connectHttp(new URL("/mcp", gw.http.url));
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual([...META_TOOL_NAMES, "gateway_webhook_events"]);
    const second = pushDelivery();
    expect((await post("gh", second.headers, second.body)).status).toBe(200);
    const result = await client.callTool({
      name: "gateway_webhook_events",
      arguments: { webhook: "gh", limit: 2 },
    });
    const { events } = JSON.parse((result.content as { text: string }[])[0]?.text ?? "{}");
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({ id: second.id, webhook: "gh" });
    expect(events[0].seq).toBeGreaterThan(events[1].seq);
    const newer = await client.callTool({
      name: "gateway_webhook_events",
      arguments: { after_seq: events[0].seq },
    });
    expect(JSON.parse((newer.content as { text: string }[])[0]?.text ?? "{}")).toEqual({ events: [] });
    const wrong = await client.callTool({ name: "gateway_webhook_events", arguments: { webhook: "gj" } });
    expect(wrong.isError).toBe(true);
    expect((wrong.content as { text: string }[])[0]?.text).toContain(
      'no webhook named "gj" (did you mean "gh"?)',
    );
    await client.close();
  });

  test("the ring buffer keeps only the newest `keep` events", async () => {
    for (let i = 0; i < 4; i++) {
      const d = pushDelivery();
      expect((await post("gh", d.headers, d.body)).status).toBe(200);
    }
    const client = await connectHttp(new URL("/mcp", gw.http.url));
    const result = await client.callTool({
      name: "gateway_webhook_events",
      arguments: { webhook: "gh", limit: 100 },
    });
    expect(JSON.parse((result.content as { text: string }[])[0]?.text ?? "{}").events).toHaveLength(3);
    await client.close();
  });

  test("Linear and Stripe deliveries signed as they document are accepted", async () => {
    const linearBody = JSON.stringify({ action: "create", type: "Issue", webhookTimestamp: Date.now() });
    const linear = await post("lin", signLinear(LINEAR_SECRET, linearBody, "lin-1"), linearBody);
    expect(await linear.json()).toMatchObject({ status: "accepted", id: "lin-1" });
    const stripeBody = JSON.stringify({ id: "evt_test_1", type: "invoice.paid" });
    const stripe = await post(
      "pay",
      signStripe(STRIPE_SECRET, stripeBody, Math.floor(Date.now() / 1000)),
      stripeBody,
    );
    expect(await stripe.json()).toMatchObject({ status: "accepted", id: "evt_test_1" });
    // Stripe retries an event with a fresh t and signature: the same event id is not processed twice.
    const retry = await post(
      "pay",
      signStripe(STRIPE_SECRET, stripeBody, Math.floor(Date.now() / 1000)),
      stripeBody,
    );
    expect(retry.status).toBe(200);
    expect(await retry.json()).toEqual({ status: "duplicate", id: "evt_test_1" });
  });
});

describe("refusals", () => {
  test("a bad signature is 401 and changes nothing", async () => {
    const { body, headers } = pushDelivery();
    const response = await post(
      "gh",
      { ...headers, "x-hub-signature-256": `sha256=${"0".repeat(64)}` },
      body,
    );
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: "X-Hub-Signature-256 does not match the body" });
  });

  test("a replayed GitHub delivery is not processed again; a stale Stripe one is refused", async () => {
    const d = pushDelivery();
    expect((await post("gh", d.headers, d.body)).status).toBe(200);
    expect(await (await post("gh", d.headers, d.body)).json()).toEqual({ status: "duplicate", id: d.id });
    const body = JSON.stringify({ id: "evt_old", type: "charge.succeeded" });
    const stale = await post(
      "pay",
      signStripe(STRIPE_SECRET, body, Math.floor(Date.now() / 1000) - 3600),
      body,
    );
    expect(stale.status).toBe(401);
    expect(await stale.json()).toEqual({ error: "Stripe-Signature t is outside the tolerance" });
  });

  test("a body over max_body_size is 413, whatever Content-Length claims", async () => {
    const big = pushDelivery({ padding: "x".repeat(5000) });
    expect((await post("gh", big.headers, big.body)).status).toBe(413);
    // Chunked, with no Content-Length: the reader stops at the limit.
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(big.body));
        controller.close();
      },
    });
    const chunked = await fetch(new URL("/webhooks/gh", gw.http.url), {
      method: "POST",
      headers: big.headers,
      body: stream,
    });
    expect(chunked.status).toBe(413);
  });

  test("an unknown webhook is 404 and GET is 405", async () => {
    const d = pushDelivery();
    expect((await post("nope", d.headers, d.body)).status).toBe(404);
    expect((await fetch(new URL("/webhooks/gh", gw.http.url))).status).toBe(405);
  });

  test("a browser Origin is refused; a tunnel's public Host is let through to /webhooks only", async () => {
    const d = pushDelivery();
    const fromPage = await post("gh", { ...d.headers, origin: "https://evil.example" }, d.body);
    expect(fromPage.status).toBe(403);
    const port = Number(gw.http.url.port);
    const request = (path: string, body: string, headers: Record<string, string>) =>
      [
        `POST ${path} HTTP/1.1`,
        "Host: abc123.ngrok.example",
        ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
        `Content-Length: ${Buffer.byteLength(body)}`,
        "Connection: close",
        "",
        body,
      ].join("\r\n");
    const tunneled = await rawExchange(port, request("/webhooks/gh", d.body, d.headers), {
      until: /\r\n\r\n.*\}/s,
    });
    expect(tunneled).toStartWith("HTTP/1.1 200");
    const initialize = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: {} });
    const mcp = await rawExchange(
      port,
      request("/mcp", initialize, {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      }),
      { until: /\r\n\r\n.*\}/s },
    );
    expect(mcp).toStartWith("HTTP/1.1 403");
  });
});

describe("without webhooks", () => {
  test("the meta surface stays the four meta-tools and /webhooks/* is 404", async () => {
    const plain = await startTestGateway("capabilities:\n  enabled: false\n");
    try {
      const client = await connectHttp(plain.mcpUrl);
      expect((await client.listTools()).tools).toHaveLength(4);
      expect((await client.listResources()).resources).toEqual([]);
      await client.close();
      const d = pushDelivery();
      const response = await fetch(new URL("/webhooks/gh", plain.http.url), {
        method: "POST",
        headers: d.headers,
        body: d.body,
      });
      expect(response.status).toBe(404);
      // A reload that adds webhooks serves them at once, on the same port and sessions.
      const { config } = parseConfig(
        `capabilities:\n  enabled: false\nwebhooks:\n  gh:\n    provider: github\n    secret: ${GITHUB_SECRET}\n`,
        { file: "reload.yaml" },
      );
      config.lifecycle.cache_dir = plain.core.config.lifecycle.cache_dir;
      await plain.gateway.reload(config);
      const again = await fetch(new URL("/webhooks/gh", plain.http.url), {
        method: "POST",
        headers: d.headers,
        body: d.body,
      });
      expect(await again.json()).toMatchObject({ status: "accepted", id: d.id });
      const after = await connectHttp(plain.mcpUrl);
      expect((await after.listTools()).tools.map((t) => t.name)).toContain("gateway_webhook_events");
      expect((await after.listResources()).resources.map((r) => r.uri)).toEqual(["webhook://gh/latest"]);
      await after.close();
    } finally {
      await plain.stop();
    }
  });
});
