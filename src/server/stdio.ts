import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import type { Surface } from "../gateway/call-context.ts";
import type { Gateway } from "../gateway/gateway.ts";
import { traceIncomingMessages } from "../telemetry/trace-context.ts";
import { createSessionServer } from "./session-server.ts";

/**
 * Serves one MCP session over this process's stdin/stdout (for clients that launch the gateway as a
 * command). Resolves when the client closes stdin.
 */
export async function serveStdio(
  gateway: Gateway,
  surface: Surface,
  io: { stdin?: NodeJS.ReadStream; stdout?: NodeJS.WriteStream } = {},
): Promise<void> {
  const stdin = io.stdin ?? process.stdin;
  const stdout = io.stdout ?? process.stdout;
  const server = createSessionServer(gateway, surface);
  const transport = new StdioServerTransport(stdin, stdout);
  const ended = new Promise<void>((resolve) => {
    stdin.once("end", resolve);
    stdin.once("close", resolve);
    transport.onclose = resolve;
  });
  const connected = server.connect(transport);
  // A request's `_meta.traceparent` parents the gateway's spans for it (stdio has no headers).
  traceIncomingMessages(transport);
  await connected;
  await ended;
  await server.close().catch(() => undefined);
}
