import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import {
  Client as ModernClient,
  StreamableHTTPClientTransport as ModernTransport,
} from "@modelcontextprotocol/client";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CreateMessageRequestSchema, ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { type ConformanceHttpServer, serveConformanceHttp } from "../fixtures/conformance-server.ts";
import { BUN, ROOT } from "../helpers/paths.ts";
import { type GatewayProcess, waitFor } from "../helpers/process.ts";
import {
  type Haproxy,
  health,
  MISSING,
  type RedisServer,
  startCluster,
  type TestCluster,
} from "./harness.ts";

// A backend asks the client something during a call; the client's answer arrives at another replica than
// the one running the call: a 2025 session's answer POST, and a 2026-07-28 retry with its requestState.

if (MISSING) console.warn(MISSING);
const describeCluster = MISSING ? describe.skip : describe;
const VERSION = "2026-07-28";
const PAGINATING = join(ROOT, "test/fixtures/paginating-server.ts");
/** The status and body a POST was answered with. */
type Answered = { status: number; body: string };
type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** What one POST carried: a request (its method), or the client's answer to the server's request. */
function kindOf(init: RequestInit | undefined): string {
  const body = typeof init?.body === "string" ? (JSON.parse(init.body) as Record<string, unknown>) : {};
  if (typeof body.method === "string") return body.method;
  return "result" in body || "error" in body ? "answer" : "other";
}

const ENVELOPE = {
  "io.modelcontextprotocol/protocolVersion": VERSION,
  "io.modelcontextprotocol/clientInfo": { name: "raw", version: "1" },
  "io.modelcontextprotocol/clientCapabilities": { elicitation: {} },
};
const WIRE_HEADERS = {
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
  "mcp-protocol-version": VERSION,
  "mcp-method": "tools/call",
};

function text(result: unknown): string {
  return (((result as { content?: unknown }).content as { text?: string }[] | undefined) ?? [])
    .map((c) => c.text ?? "")
    .join("");
}

describeCluster("input a backend asks for, answered through another replica", () => {
  let cluster: TestCluster;
  let backend: ConformanceHttpServer;
  let replicas: GatewayProcess[];
  let haproxy: Haproxy;
  let redis: RedisServer;

  beforeAll(async () => {
    backend = serveConformanceHttp(0);
    cluster = await startCluster(
      3,
      (url) => `capabilities: { enabled: false }
lifecycle: { lazy: false }
redis:
  url: "${url}"
  key_prefix: "input-${process.pid}:"
  retry_interval: 200ms
backends:
  conf:
    http_url: "${backend.url.href}"
    description: "A 2025 server whose tools ask for elicitation and sampling"
  pages:
    command: '"${BUN}" "${PAGINATING}"'
    description: "A stdio child per replica; its hang tool ends only when cancelled"
`,
    );
    ({ replicas, haproxy, redis } = cluster);
  }, 60_000);

  afterAll(async () => {
    await cluster?.stop();
    await backend?.stop();
  });

  /** Records, per POST, what it carried and the replica that answered it (HAProxy's `x-replica`). */
  function recording(seen: { kind: string; replica: string }[]): Fetch {
    return async (input, init) => {
      const response = await fetch(input, init);
      const replica = response.headers.get("x-replica");
      if (replica && init?.method === "POST") seen.push({ kind: kindOf(init), replica });
      return response;
    };
  }

  /** Sends each POST to the replica `pick` names by its kind (bypassing HAProxy); the rest to the first. */
  function routing(pick: (kind: string) => number, statuses: Map<string, Answered> = new Map()): Fetch {
    return async (input, init) => {
      const url = new URL(input instanceof Request ? input.url : input);
      const kind = init?.method === "POST" ? kindOf(init) : "get";
      const target = (replicas[pick(kind)] as GatewayProcess).url;
      url.host = target.host;
      const response = await fetch(url, init);
      if (kind === "answer")
        statuses.set(kind, { status: response.status, body: await response.clone().text() });
      return response;
    };
  }

  async function sessionClient(fetchFn: Fetch, asked: string[], path = "/mcp/conf"): Promise<Client> {
    const client = new Client(
      { name: "cluster-input", version: "1.0.0" },
      { capabilities: { elicitation: {}, sampling: {} } },
    );
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      asked.push(`elicit:${request.params.message}`);
      return { action: "accept", content: { username: "ada", email: "ada@example.com" } };
    });
    client.setRequestHandler(CreateMessageRequestSchema, async () => {
      asked.push("sample");
      return { role: "assistant", model: "m", content: { type: "text", text: "forty-two" } };
    });
    await client.connect(new StreamableHTTPClientTransport(new URL(path, haproxy.url), { fetch: fetchFn }));
    return client;
  }

  test("2025: elicitation answered on another replica (via HAProxy) completes the call", async () => {
    const seen: { kind: string; replica: string }[] = [];
    const asked: string[] = [];
    const client = await sessionClient(recording(seen), asked);
    let crossed = 0;
    for (let i = 0; i < 3; i++) {
      seen.length = 0;
      const result = await client.callTool({ name: "test_elicitation", arguments: { message: `Who ${i}?` } });
      expect(text(result)).toContain('"username":"ada"');
      const call = seen.find((s) => s.kind === "tools/call");
      // The answer's 202 may reach the client after the call's result does.
      const answer = await waitFor("the answer POST", () => seen.find((s) => s.kind === "answer"), 5000);
      expect(call).toBeDefined();
      if (call?.replica !== answer?.replica) crossed++;
    }
    expect(asked).toEqual(["elicit:Who 0?", "elicit:Who 1?", "elicit:Who 2?"]);
    // Round-robin sends consecutive POSTs to different replicas: the answers really crossed.
    expect(crossed).toBeGreaterThan(0);
    await client.close();
  });

  test("2025: sampling asked on replica 1, answered on replica 2, completes", async () => {
    const asked: string[] = [];
    const statuses = new Map<string, Answered>();
    const client = await sessionClient(
      routing((kind) => (kind === "answer" ? 1 : 0), statuses),
      asked,
    );
    const result = await client.callTool({ name: "test_sampling", arguments: { prompt: "meaning?" } });
    expect(text(result)).toBe("LLM response: forty-two");
    expect(asked).toEqual(["sample"]);
    // Replica 2 accepted the answer (202) for replica 1, which held the request (the call's result may
    // reach the client before that 202 does).
    const accepted = await waitFor("the answer POST's status", () => statuses.get("answer"), 5000);
    expect(accepted.status).toBe(202);
    await client.close();
  });

  test("2025: a cancellation sent to another replica cancels the call where it runs", async () => {
    // Everything to replica 1 but the cancellation, which replica 2 gets.
    const route = routing((kind) => (kind === "notifications/cancelled" ? 1 : 0));
    const client = await sessionClient(route, [], "/mcp/pages");
    const counts = async (): Promise<{ counts: Record<string, number>; cancelled: Record<string, number> }> =>
      (await client.callTool({ name: "get_call_count", arguments: {} })).structuredContent as never;
    const before = await counts();
    const abort = new AbortController();
    const call = client
      .callTool({ name: "hang", arguments: {} }, undefined, { signal: abort.signal })
      .catch((error: unknown) => error);
    await waitFor("the hang call to reach replica 1's backend", async () => {
      return ((await counts()).counts.hang ?? 0) > (before.counts.hang ?? 0) || undefined;
    });
    abort.abort("changed my mind");
    expect(await call).toBeInstanceOf(Error);
    // The backend child behind replica 1 sees the cancellation replica 2 received.
    await waitFor(
      "the backend to count the call cancelled",
      async () => {
        return ((await counts()).cancelled.hang ?? 0) > (before.cancelled.hang ?? 0) || undefined;
      },
      5000,
    );
    await client.close();
  });

  /** A 2026-07-28 tools/call on one replica, as a client sends it (the envelope in `_meta`). */
  function post(replica: number, id: number, params: Record<string, unknown>): Promise<Response> {
    const url = new URL("/mcp/conf", (replicas[replica] as GatewayProcess).url);
    const message = { jsonrpc: "2.0", id, method: "tools/call", params: { ...params, _meta: ENVELOPE } };
    const headers = { ...WIRE_HEADERS, "mcp-name": String(params.name) };
    return fetch(url, { method: "POST", headers, body: JSON.stringify(message) });
  }

  type Round = {
    result?: {
      resultType: string;
      requestState: string;
      inputRequests: Record<string, { method: string }>;
      content: { text: string }[];
    };
    error?: { code: number; message: string };
  };

  async function firstRound(replica: number, message: string): Promise<{ state: string; key: string }> {
    const first = (await (
      await post(replica, 1, { name: "test_elicitation", arguments: { message } })
    ).json()) as Round;
    expect(first.result?.resultType).toBe("input_required");
    const [key, request] = Object.entries(first.result?.inputRequests ?? {})[0] ?? [];
    expect(request?.method).toBe("elicitation/create");
    return { state: first.result?.requestState ?? "", key: String(key) };
  }

  test("2026-07-28: the retry on another replica reaches the call on the first (on the wire)", async () => {
    const { state, key } = await firstRound(0, "Hi");
    const answer = { action: "accept", content: { username: "bob", email: "bob@example.com" } };
    const retry = (await (
      await post(2, 2, {
        name: "test_elicitation",
        arguments: { message: "Hi" },
        requestState: state,
        inputResponses: { [key]: answer },
      })
    ).json()) as Round;
    expect(retry.result?.resultType).toBe("complete");
    expect(retry.result?.content[0]?.text).toContain('"username":"bob"');
    // The call was taken by the retry: the same state again is unknown on every replica (-32602).
    for (const replica of [0, 1]) {
      const again = (await (
        await post(replica, 3, {
          name: "test_elicitation",
          arguments: { message: "Hi" },
          requestState: state,
          inputResponses: { [key]: answer },
        })
      ).json()) as Round;
      expect(again.error?.code).toBe(-32602);
    }
  });

  test("2026-07-28: the SDK 2.x client's retries through HAProxy land elsewhere and complete", async () => {
    const seen: { kind: string; replica: string }[] = [];
    const asked: string[] = [];
    const client = new ModernClient(
      { name: "cluster-input-modern", version: "1" },
      { versionNegotiation: { mode: "auto" }, capabilities: { elicitation: {} } },
    );
    client.setRequestHandler("elicitation/create", async (request) => {
      asked.push(`elicit:${request.params.message}`);
      return { action: "accept", content: { username: "eve", email: "eve@example.com" } };
    });
    await client.connect(new ModernTransport(new URL("/mcp/conf", haproxy.url), { fetch: recording(seen) }));
    let crossed = 0;
    for (let i = 0; i < 3; i++) {
      seen.length = 0;
      const result = await client.callTool({ name: "test_elicitation", arguments: { message: `M${i}` } });
      expect(text(result)).toContain('"username":"eve"');
      const calls = seen.filter((s) => s.kind === "tools/call");
      expect(calls.length).toBe(2);
      if (calls[0]?.replica !== calls[1]?.replica) crossed++;
    }
    expect(asked).toEqual(["elicit:M0", "elicit:M1", "elicit:M2"]);
    expect(crossed).toBeGreaterThan(0);
    await client.close();
  });

  test("2026-07-28: a made-up state naming a replica is -32602 on any replica", async () => {
    const origin = "0123456789abcdef";
    const response = await post(1, 4, {
      name: "test_elicitation",
      arguments: { message: "x" },
      requestState: `mcp-gateway:${origin}.00000000-0000-4000-8000-000000000000`,
      inputResponses: { "input-1": { action: "decline" } },
    });
    const body = (await response.json()) as Round;
    expect(body.error?.code).toBe(-32602);
  });

  // Last: it stops redis.
  test("redis stopped: a cross-replica answer fails at once with a clear error, nothing hangs", async () => {
    const { state, key } = await firstRound(0, "before the outage");
    const asked: string[] = [];
    const statuses = new Map<string, Answered>();
    const client = await sessionClient(
      routing((kind) => (kind === "answer" ? 1 : 0), statuses),
      asked,
    );
    const errors: string[] = [];
    client.onerror = (error) => errors.push(error.message);
    await redis.stop();
    await waitFor("every replica to notice redis is down", async () => {
      const states = await Promise.all(replicas.map((r) => health(r.url).then((h) => h.cluster?.redis)));
      return states.every((s) => s === "down") || undefined;
    });

    const started = Date.now();
    const retry = (await (
      await post(1, 5, {
        name: "test_elicitation",
        arguments: { message: "x" },
        requestState: state,
        inputResponses: { [key]: { action: "decline" } },
      })
    ).json()) as Round;
    expect(retry.error?.message).toContain("redis is unreachable");
    expect(Date.now() - started).toBeLessThan(2000);

    // The 2025 answer POST is refused (503) by the replica that cannot hand it on, and says why.
    const abort = new AbortController();
    const call = client
      .callTool({ name: "test_elicitation", arguments: { message: "x" } }, undefined, {
        signal: abort.signal,
      })
      .catch((error: unknown) => error);
    await waitFor("the answer POST to be refused", () => statuses.get("answer"), 5000);
    const refused = statuses.get("answer") as Answered;
    expect(refused.status).toBe(503);
    expect(refused.body).toContain("redis is unreachable");
    expect(asked).toEqual(["elicit:x"]);
    // The client learns of it on its side too, not only the replica's log.
    await waitFor(
      "the client to report the refused answer",
      () => errors.find((e) => e.includes("redis is unreachable")),
      5000,
    );
    abort.abort();
    expect(await call).toBeInstanceOf(Error);
    await client.close();
  });
});
