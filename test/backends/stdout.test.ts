import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { ConnectionLostError } from "../../src/backends/connection-failure.ts";
import { McpBackend } from "../../src/backends/mcp-backend.ts";
import { SpawnTransport } from "../../src/backends/spawn-transport.ts";
import { isJsonRpcMessage, StdoutLines } from "../../src/backends/stdout-lines.ts";
import { GatewayError } from "../../src/errors.ts";
import { log } from "../../src/log.ts";
import { BUN, ROOT } from "../helpers/paths.ts";

const NOISY = join(ROOT, "test/backends/noisy-server.ts");
const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
const request = (id: number): string => JSON.stringify({ jsonrpc: "2.0", id, method: "ping" });

describe("StdoutLines", () => {
  test("splits JSON-RPC messages across chunks, CRLF and blank lines included", () => {
    const lines = new StdoutLines({ maxLineBytes: 1024 });
    const text = `${request(1)}\r\n\n${request(2)}\n`;
    const first = lines.push(encode(text.slice(0, 10)));
    expect(first.messages).toEqual([]);
    const rest = lines.push(encode(text.slice(10)));
    expect(rest.messages.map((m) => ("id" in m ? m.id : undefined))).toEqual([1, 2]);
    expect(rest.noise).toEqual([]);
  });

  test("keeps an excerpt of lines that are not JSON-RPC, JSON or not", () => {
    const lines = new StdoutLines({ maxLineBytes: 1024 });
    const out = lines.push(encode(`Server ready on stdio\n{"hello":"world"}\n${request(3)}\n`));
    expect(out.noise).toEqual(['"Server ready on stdio"', '"{\\"hello\\":\\"world\\"}"']);
    expect(out.messages).toHaveLength(1);
  });

  test("shortens long noise and quotes control characters", () => {
    const lines = new StdoutLines({ maxLineBytes: 4096 });
    const [noise] = lines.push(encode(`\u001b[31m${"y".repeat(500)}\n`)).noise;
    expect(noise?.length).toBeLessThan(140);
    expect(noise).toStartWith('"\\u001b[31m');
  });

  test("a line over the limit overflows, whether or not its newline came, and the reader stays spent", () => {
    const whole = new StdoutLines({ maxLineBytes: 100 });
    expect(whole.push(encode(`${"z".repeat(150)}\n`)).overflow).toBe(true);
    expect(whole.push(encode(`${request(4)}\n`)).messages).toEqual([]);

    const partial = new StdoutLines({ maxLineBytes: 100 });
    expect(partial.push(encode("z".repeat(60))).overflow).toBe(false);
    expect(partial.push(encode("z".repeat(60))).overflow).toBe(true);
  });
});

describe("a backend that misbehaves on stdout", () => {
  let backend: McpBackend | undefined;
  afterEach(async () => {
    await backend?.stop();
    backend = undefined;
  });

  function noisy(
    args: string[] = [],
    options: { maxLineBytes?: number; timeoutMs?: number } = {},
  ): McpBackend {
    backend = new McpBackend({
      name: "noisy",
      description: "",
      transport: "stdio",
      connect: () => new SpawnTransport({ argv: [BUN, NOISY, ...args], maxLineBytes: options.maxLineBytes }),
      timeoutMs: options.timeoutMs ?? 5000,
      autoRestart: false,
      log,
    });
    return backend;
  }

  test("a banner before the first message is skipped; the backend works", async () => {
    const b = noisy(["--banner"]);
    const result = await b.callTool("echo", { text: "hi" });
    expect(JSON.stringify(result)).toContain("hi");
  });

  test("a request answered with garbage times out saying what the backend wrote", async () => {
    const b = noisy([], { timeoutMs: 300 });
    const error = await b.callTool("garbage", {}).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).code).toBe("TIMEOUT");
    expect((error as Error).message).toContain(
      'it wrote non-JSON-RPC output on stdout instead: "Traceback (most recent call last): oops"',
    );
  });

  test("an answer over the line limit ends the connection at once with the limit in the error", async () => {
    const b = noisy([], { maxLineBytes: 64 * 1024, timeoutMs: 20_000 });
    await b.start();
    const started = Date.now();
    const error = await b.callTool("huge", { bytes: 200_000 }).catch((err: unknown) => err);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(error).toBeInstanceOf(ConnectionLostError);
    expect((error as Error).message).toContain("backend wrote a message over 64 KiB on stdout (the limit)");
    // Below the limit the same tool answers: the next call restarts the backend.
    const small = await b.callTool("huge", { bytes: 1000 });
    expect(JSON.stringify(small)).toContain("x".repeat(1000));
  });

  test("a command that prints usage on stdout and exits says so", async () => {
    backend = new McpBackend({
      name: "wrong",
      description: "",
      transport: "stdio",
      connect: () =>
        new SpawnTransport({
          argv: [BUN, "-e", 'console.log("Usage: frobnicate [--stdio]"); process.exit(2)'],
        }),
      timeoutMs: 5000,
      autoRestart: false,
      log,
    });
    const error = await backend.start().catch((err: unknown) => err);
    expect((error as GatewayError).code).toBe("BACKEND_UNAVAILABLE");
    expect((error as Error).message).toContain(
      'non-JSON-RPC output on stdout: "Usage: frobnicate [--stdio]"',
    );
    expect((error as Error).message).toContain("exit code 2");
  });
});

describe("isJsonRpcMessage", () => {
  test("accepts requests, notifications, results and errors", () => {
    expect(isJsonRpcMessage({ jsonrpc: "2.0", id: 1, method: "tools/list" })).toBe(true);
    expect(
      isJsonRpcMessage({ jsonrpc: "2.0", method: "notifications/progress", params: { progress: 1 } }),
    ).toBe(true);
    expect(isJsonRpcMessage({ jsonrpc: "2.0", id: "a", result: { content: [] } })).toBe(true);
    expect(
      isJsonRpcMessage({ jsonrpc: "2.0", id: null, error: { code: -32700, message: "Parse error" } }),
    ).toBe(true);
  });

  test("refuses what is not a JSON-RPC 2.0 message", () => {
    for (const value of [
      null,
      [],
      "text",
      { jsonrpc: "1.0", id: 1, method: "x" },
      { jsonrpc: "2.0" },
      { jsonrpc: "2.0", id: 1 },
      { jsonrpc: "2.0", id: { n: 1 }, result: {} },
      { jsonrpc: "2.0", id: 1, result: "not an object" },
      { jsonrpc: "2.0", id: 1, result: {}, error: { code: 1, message: "both" } },
      { jsonrpc: "2.0", id: 1, error: { code: "x", message: "bad code" } },
      { jsonrpc: "2.0", id: 1, method: 5 },
      { jsonrpc: "2.0", method: "x", params: "no" },
    ]) {
      expect(isJsonRpcMessage(value)).toBe(false);
    }
  });
});
