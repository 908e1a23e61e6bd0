import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { Client as ModernClient, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import type { Subprocess } from "bun";
import type { Timers } from "../../src/backends/restart-backoff.ts";
import { InputRounds } from "../../src/server/input-rounds.ts";
import { connectHttp, startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { startModernFixture } from "../helpers/modern-fixture.ts";
import { BUN, ROOT } from "../helpers/paths.ts";

// Server-to-client requests across the two revisions, end to end with SDK clients: a 2025 backend asking
// a 2026-07-28 client (input_required rounds on the gateway) and a 2026-07-28 backend asking a 2025 client
// (ordinary server-to-client requests on the session), and 2026 to 2026.
const CONFORMANCE = join(ROOT, "test/fixtures/conformance-server.ts");
const VERSION = "2026-07-28";

function text(result: unknown): string {
  return (((result as { content?: unknown }).content as { text?: string }[] | undefined) ?? [])
    .map((c) => c.text ?? "")
    .join("");
}

/** An SDK 2.x client on 2026-07-28 that answers elicitation, sampling and roots; `asked` records them. */
async function modernClient(url: URL, asked: string[] = []): Promise<ModernClient> {
  const client = new ModernClient(
    { name: "mrtr-test", version: "1" },
    {
      versionNegotiation: { mode: "auto" },
      capabilities: { elicitation: {}, sampling: {}, roots: {} },
    },
  );
  client.setRequestHandler("elicitation/create", async (request) => {
    asked.push(`elicit:${request.params.message}`);
    return { action: "accept", content: { username: "ada", email: "ada@example.com", ok: true } };
  });
  client.setRequestHandler("sampling/createMessage", async () => {
    asked.push("sample");
    return { role: "assistant", model: "test-model", content: { type: "text", text: "forty-two" } };
  });
  client.setRequestHandler("roots/list", async () => {
    asked.push("roots");
    return { roots: [{ uri: "file:///work", name: "work" }] };
  });
  await client.connect(new StreamableHTTPClientTransport(url));
  expect(client.getNegotiatedProtocolVersion()).toBe(VERSION);
  return client;
}

function post(url: URL, id: number, params: Record<string, unknown>): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": VERSION,
      "mcp-method": "tools/call",
      "mcp-name": String(params.name),
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id,
      method: "tools/call",
      params: {
        ...params,
        _meta: {
          "io.modelcontextprotocol/protocolVersion": VERSION,
          "io.modelcontextprotocol/clientInfo": { name: "raw", version: "1" },
          "io.modelcontextprotocol/clientCapabilities": { elicitation: {} },
        },
      },
    }),
  });
}

let modern: { proc: Subprocess; url: URL };
let gw: TestGateway;
beforeAll(async () => {
  modern = await startModernFixture();
  gw = await startTestGateway(`
capabilities: { enabled: false }
backends:
  conf:
    command: '"${BUN}" "${CONFORMANCE}"'
  modern:
    http_url: "${modern.url.href}"
    forward_roots: true
`);
});
afterAll(async () => {
  await gw?.stop();
  modern?.proc.kill();
});

describe("a 2025 backend asking a 2026-07-28 client: input_required rounds", () => {
  test("elicitation reaches the SDK 2.x client's handler and the call finishes with its answer", async () => {
    const asked: string[] = [];
    const client = await modernClient(new URL("/mcp/conf", gw.http.url), asked);
    try {
      const result = await client.callTool({ name: "test_elicitation", arguments: { message: "Who?" } });
      expect(text(result)).toContain("ada");
      expect(asked).toEqual(["elicit:Who?"]);
    } finally {
      await client.close();
    }
  });

  test("sampling too, and through the meta-tools on /mcp", async () => {
    const asked: string[] = [];
    const client = await modernClient(gw.mcpUrl, asked);
    try {
      const result = await client.callTool({
        name: "gateway_invoke",
        arguments: { server: "conf", tool: "test_sampling", arguments: { prompt: "meaning?" } },
      });
      expect(text(result)).toContain("LLM response: forty-two");
      expect(asked).toEqual(["sample"]);
    } finally {
      await client.close();
    }
  });

  test("on the wire: input_required with a requestState; the retry with the answer completes", async () => {
    const url = new URL("/mcp/conf", gw.http.url);
    const first = (await (
      await post(url, 1, { name: "test_elicitation", arguments: { message: "Hi" } })
    ).json()) as {
      result: { resultType: string; requestState: string; inputRequests: Record<string, { method: string }> };
    };
    expect(first.result.resultType).toBe("input_required");
    const [key, request] = Object.entries(first.result.inputRequests)[0] ?? [];
    expect(request?.method).toBe("elicitation/create");
    const answer = { action: "accept", content: { username: "bob", email: "bob@example.com" } };
    const retry = (await (
      await post(url, 2, {
        name: "test_elicitation",
        arguments: { message: "Hi" },
        requestState: first.result.requestState,
        inputResponses: { [String(key)]: answer },
      })
    ).json()) as { result: { resultType: string; content: { text: string }[] } };
    expect(retry.result.resultType).toBe("complete");
    expect(retry.result.content[0]?.text).toContain("bob");
  });

  test("a made-up gateway requestState is -32602, not another caller's call", async () => {
    const url = new URL("/mcp/conf", gw.http.url);
    const response = await post(url, 3, {
      name: "test_elicitation",
      arguments: { message: "x" },
      requestState: "mcp-gateway:00000000-0000-4000-8000-000000000000",
      inputResponses: { "input-1": { action: "decline" } },
    });
    const body = (await response.json()) as { error: { code: number; message: string } };
    expect(body.error.code).toBe(-32602);
    expect(body.error.message).toContain("requestState");
  });

  test("a client that did not declare elicitation gets an error naming it, not a hang", async () => {
    const client = new ModernClient({ name: "bare", version: "1" }, { versionNegotiation: { mode: "auto" } });
    await client.connect(new StreamableHTTPClientTransport(new URL("/mcp/conf", gw.http.url)));
    try {
      const call = client.callTool({ name: "test_elicitation", arguments: { message: "x" } });
      await expect(call).rejects.toThrow("did not declare elicitation");
    } finally {
      await client.close();
    }
  });
});

describe("a 2026-07-28 backend asking for input", () => {
  test("a 2025 session answers elicitation, sampling and roots as ordinary requests", async () => {
    const client = await connectHttp(new URL("/mcp/modern", gw.http.url), {
      elicitation: {},
      sampling: {},
      roots: {},
    });
    const asked: string[] = [];
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      asked.push(`elicit:${request.params.message}`);
      return { action: "accept", content: { ok: true } };
    });
    client.setRequestHandler(CreateMessageRequestSchema, async () => {
      asked.push("sample");
      return { role: "assistant", model: "m", content: { type: "text", text: "short" } };
    });
    client.setRequestHandler(ListRootsRequestSchema, async () => {
      asked.push("roots");
      return { roots: [{ uri: "file:///srv" }] };
    });
    try {
      expect(text(await client.callTool({ name: "confirm", arguments: { action: "deploy" } }))).toBe(
        "deploy: confirmed",
      );
      expect(text(await client.callTool({ name: "summarize", arguments: { topic: "x" } }))).toBe(
        "model said: short",
      );
      expect(text(await client.callTool({ name: "roots", arguments: {} }))).toBe("file:///srv");
      expect(asked).toEqual(["elicit:deploy?", "sample", "roots"]);
    } finally {
      await client.close();
    }
  });

  test("a 2026-07-28 client answers it through the gateway's rounds", async () => {
    const asked: string[] = [];
    const client = await modernClient(new URL("/mcp/modern", gw.http.url), asked);
    try {
      const result = await client.callTool({ name: "confirm", arguments: { action: "ship" } });
      expect(text(result)).toBe("ship: confirmed");
      expect(asked).toEqual(["elicit:ship?"]);
    } finally {
      await client.close();
    }
  });
});

describe("InputRounds: calls waiting for input", () => {
  /** Timers that fire only when the test says so. */
  function manualTimers(): { timers: Timers; fire(): void } {
    const pending: (() => void)[] = [];
    return {
      timers: {
        setTimeout: ((fn: () => void) => {
          pending.push(fn);
          return pending.length as unknown as ReturnType<typeof setTimeout>;
        }) as unknown as typeof setTimeout,
        clearTimeout: (() => undefined) as typeof clearTimeout,
      },
      fire: () => {
        for (const fn of pending.splice(0)) fn();
      },
    };
  }

  test("a call whose retry never comes is cancelled after ttlMs, and its state is refused", async () => {
    const clock = manualTimers();
    const rounds = new InputRounds({ ttlMs: 1000, timers: clock.timers });
    let cancelled = false;
    const call = rounds.begin("alice", async (ask, signal) => {
      signal.addEventListener("abort", () => {
        cancelled = true;
      });
      return ask("elicitation/create", { message: "?" }, signal);
    });
    const outcome = await rounds.round(call, new AbortController().signal);
    expect(outcome.kind).toBe("input");
    expect(rounds.size).toBe(1);
    clock.fire();
    expect(cancelled).toBe(true);
    expect(rounds.size).toBe(0);
    if (outcome.kind === "input") expect(() => rounds.resume(outcome.state, "alice")).toThrow("requestState");
  });

  test("another caller cannot continue a call; the owner can, and an unanswered request is asked again", async () => {
    const rounds = new InputRounds({ timers: manualTimers().timers });
    const call = rounds.begin("alice", async (ask, signal) => ask("roots/list", {}, signal));
    const first = await rounds.round(call, new AbortController().signal);
    if (first.kind !== "input") throw new Error("expected input");
    expect(() => rounds.resume(first.state, "mallory")).toThrow("requestState");
    const resumed = rounds.resume(first.state, "alice");
    resumed.answer({});
    const again = await rounds.round(resumed, new AbortController().signal);
    if (again.kind !== "input") throw new Error("expected input again");
    expect(Object.values(again.requests).map((r) => r.method)).toEqual(["roots/list"]);
    const last = rounds.resume(again.state, "alice");
    last.answer({ [Object.keys(again.requests)[0] ?? ""]: { roots: [] } });
    expect(await rounds.round(last, new AbortController().signal)).toEqual({
      kind: "complete",
      result: { roots: [] },
    });
  });

  test("too many waiting calls: the next one is refused and cancelled", async () => {
    const rounds = new InputRounds({ maxParked: 1, timers: manualTimers().timers });
    const start = () => rounds.begin("a", async (ask, signal) => ask("roots/list", {}, signal));
    await rounds.round(start(), new AbortController().signal);
    await expect(rounds.round(start(), new AbortController().signal)).rejects.toThrow("wait for input");
  });
});
