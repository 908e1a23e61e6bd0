import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { Surface } from "../gateway/call-context.ts";
import type { Gateway } from "../gateway/gateway.ts";
import { traceIncomingMessages } from "../telemetry/trace-context.ts";
import { createSessionServer } from "./session-server.ts";

/** What is told of each client request and its answer (the first-served count, see `FirstServed`). */
export interface RequestCounter {
  begin(): void;
  end(): void;
}

/**
 * Serves one MCP session over this process's stdin/stdout (for clients that launch the gateway as a
 * command). Resolves when the client closes stdin. `served` hears each request the client sends and each
 * answer going back, as the HTTP front end's requests are counted.
 */
export async function serveStdio(
  gateway: Gateway,
  surface: Surface,
  io: { stdin?: NodeJS.ReadStream; stdout?: NodeJS.WriteStream; served?: RequestCounter } = {},
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
  if (io.served) countRequests(transport, io.served);
  await connected;
  await ended;
  await server.close().catch(() => undefined);
}

/**
 * Counts the client's requests (a message with a method and an id) and the answers to them (an id with a
 * result or an error) on a connected transport. Notifications count for neither, nor do requests the
 * gateway sends the client and their answers.
 */
export function countRequests(transport: Transport, counter: RequestCounter): void {
  const deliver = transport.onmessage;
  const send = transport.send.bind(transport);
  const asked = new Set<string | number>();
  transport.onmessage = (message, extra) => {
    if ("method" in message && "id" in message) {
      asked.add(message.id);
      counter.begin();
    }
    deliver?.(message, extra);
  };
  // An answer counts once it is handed to stdout, as an HTTP answer counts once its response is returned.
  transport.send = (message, options) => {
    const sent = send(message, options);
    if (!("method" in message) && message.id !== undefined && asked.delete(message.id)) counter.end();
    return sent;
  };
}
