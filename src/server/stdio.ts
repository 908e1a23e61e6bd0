import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import type { Gateway } from "../gateway.ts";
import { SessionHub } from "./hub.ts";
import { createSessionServer, type Surface } from "./session-server.ts";

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
  const server = createSessionServer(gateway, SessionHub.of(gateway), surface);
  const transport = new StdioServerTransport(stdin, stdout);
  const ended = new Promise<void>((resolve) => {
    stdin.once("end", resolve);
    stdin.once("close", resolve);
    transport.onclose = resolve;
  });
  await server.connect(transport);
  await ended;
  await server.close().catch(() => undefined);
}
