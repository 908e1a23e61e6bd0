/**
 * A stdio MCP server that misbehaves on stdout, written by hand (no SDK) so it can write what the SDK
 * never would.
 *
 *   bun test/backends/noisy-server.ts [--banner]
 *
 * `--banner` prints a non-JSON line before anything else. Tools:
 * - `echo {text}` — answers the text.
 * - `garbage` — writes a line that is not JSON-RPC instead of an answer, and never answers.
 * - `huge {bytes}` — answers with a text of `bytes` characters, on one line.
 */
export {};

const tools = ["echo", "garbage", "huge"].map((name) => ({ name, inputSchema: { type: "object" } }));

function send(message: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ jsonrpc: "2.0", ...message })}\n`);
}

if (process.argv.includes("--banner")) process.stdout.write("noisy-server 1.0 starting up\n");

for await (const line of console) {
  if (!line.trim()) continue;
  const request = JSON.parse(line) as {
    id?: number | string;
    method: string;
    params?: Record<string, unknown>;
  };
  if (request.id === undefined) continue;
  const { id, method, params = {} } = request;
  if (method === "initialize") {
    send({
      id,
      result: {
        protocolVersion: params.protocolVersion,
        capabilities: { tools: {} },
        serverInfo: { name: "noisy", version: "1.0.0" },
      },
    });
  } else if (method === "tools/list") {
    send({ id, result: { tools } });
  } else if (method === "tools/call") {
    const args = (params.arguments ?? {}) as Record<string, unknown>;
    if (params.name === "echo")
      send({ id, result: { content: [{ type: "text", text: String(args.text) }] } });
    else if (params.name === "garbage") process.stdout.write("Traceback (most recent call last): oops\n");
    else if (params.name === "huge") {
      send({ id, result: { content: [{ type: "text", text: "x".repeat(Number(args.bytes)) }] } });
    }
  } else {
    send({ id, error: { code: -32601, message: `no ${method}` } });
  }
}
