import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { type CallToolResult, CallToolResultSchema } from "@modelcontextprotocol/sdk/types.js";
import { resolveSettings } from "../config/resolve.ts";
import { GatewayError } from "../errors.ts";
import { Gateway } from "../gateway/gateway.ts";
import { createSessionServer } from "../server/session-server.ts";
import { VERSION } from "../version.ts";

/** An MCP session with a gateway's meta-tools, whichever way it was reached. */
export interface GatewaySession {
  client: Client;
  /** `running`: an mcp-gateway already listening; `ad-hoc`: one started in this process from the config. */
  mode: "running" | "ad-hoc";
  /** URL of the running gateway, or the config file of the ad-hoc one. */
  target: string;
  close(): Promise<void>;
}

/** How to reach a gateway. */
export interface ConnectOptions {
  /** MCP endpoint of a running gateway; skips the config entirely. */
  url?: string | undefined;
  /** Config file (default: the usual search path). */
  config?: string | undefined;
  /** Never use a running gateway, always start one from the config. @default false */
  adHoc?: boolean;
  /** Called before an ad-hoc gateway starts its backends (for progress output). */
  onStarting?: (backends: number) => void;
  env?: Record<string, string | undefined>;
  fetch?: typeof fetch;
}

function newClient(): Client {
  return new Client({ name: "mcp-gateway-cli", version: VERSION });
}

async function overHttp(url: URL): Promise<GatewaySession> {
  const client = newClient();
  try {
    await client.connect(new StreamableHTTPClientTransport(url));
  } catch (cause) {
    throw new GatewayError(
      "BACKEND_UNAVAILABLE",
      `cannot reach a gateway at ${url.href}: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
  return { client, mode: "running", target: url.href, close: () => client.close() };
}

/** Answers only when an mcp-gateway (not some other program) is listening at host:port. */
async function isGatewayListening(host: string, port: number, fetchFn: typeof fetch): Promise<boolean> {
  if (port === 0) return false;
  const hostPart = host.includes(":") ? `[${host}]` : host === "0.0.0.0" ? "127.0.0.1" : host;
  try {
    const response = await fetchFn(`http://${hostPart}:${port}/health`, { signal: AbortSignal.timeout(750) });
    const body = (await response.json()) as { version?: unknown; backends?: unknown };
    return typeof body.version === "string" && typeof body.backends === "object";
  } catch {
    return false;
  }
}

/**
 * Connects to the gateway named by `url`, else to one already running at the config's address, else starts
 * an ad-hoc gateway in this process (its backends stop on `close`).
 * @throws GatewayError CONFIG_* for a bad config, BACKEND_UNAVAILABLE when `url` does not answer
 */
export async function connectGateway(options: ConnectOptions = {}): Promise<GatewaySession> {
  if (options.url) return overHttp(new URL(options.url));
  const settings = resolveSettings({ config: options.config }, options.env ? { env: options.env } : {});
  const { host, port } = settings.config.server;
  if (!options.adHoc && (await isGatewayListening(host, port, options.fetch ?? fetch))) {
    const hostPart = host.includes(":") ? `[${host}]` : host === "0.0.0.0" ? "127.0.0.1" : host;
    return overHttp(new URL(`http://${hostPart}:${port}/mcp`));
  }
  const gateway = Gateway.fromConfig(settings.config);
  options.onStarting?.(gateway.backendNames.length);
  gateway.start();
  const server = createSessionServer(gateway, { kind: "meta" }, { label: "cli" });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = newClient();
  await client.connect(clientSide);
  return {
    client,
    mode: "ad-hoc",
    target: settings.configPath ?? "(no config file)",
    close: async () => {
      await client.close().catch(() => undefined);
      await server.close().catch(() => undefined);
      // A backend stopped mid-start logs a spurious failure; let every first start settle first.
      await gateway.ready;
      await gateway.stop();
    },
  };
}

/** Calls a tool without the SDK's output-schema check, so results arrive exactly as sent. */
export async function callTool(
  client: Client,
  name: string,
  args: Record<string, unknown>,
): Promise<CallToolResult> {
  return client.request({ method: "tools/call", params: { name, arguments: args } }, CallToolResultSchema, {
    timeout: 10 * 60_000,
  });
}

/** The text parts of a tool result, joined. */
export function resultText(result: CallToolResult): string {
  return result.content
    .map((part) => (part.type === "text" ? part.text : ""))
    .filter(Boolean)
    .join("\n");
}

/**
 * Calls a meta-tool and returns its structured answer.
 * @throws GatewayError when the gateway answers with an error result (its text is the message)
 */
export async function callMetaTool(
  client: Client,
  name: string,
  args: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const result = await callTool(client, name, args);
  if (result.isError) throw new GatewayError("USAGE", resultText(result) || `${name} failed`);
  if (result.structuredContent) return result.structuredContent;
  try {
    return JSON.parse(resultText(result)) as Record<string, unknown>;
  } catch {
    throw new GatewayError(
      "BACKEND_UNAVAILABLE",
      `${name} returned no structured answer (is this an mcp-gateway?)`,
    );
  }
}
