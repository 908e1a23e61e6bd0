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
  /** Which gateway this is, for the user: endpoint, version (from /health), config file. */
  identity: GatewayIdentity;
  close(): Promise<void>;
}

/** What the CLI tells the user about the gateway it talks to. */
export interface GatewayIdentity {
  mode: "running" | "ad-hoc";
  /** MCP endpoint of a running gateway. */
  url: string | undefined;
  /** mcp-gateway version of the running gateway (from /health), or ours for an ad-hoc one. */
  version: string | undefined;
  /** The config file this command read (undefined with --url or when none was found). */
  config: string | undefined;
}

/** One line naming the gateway, e.g. `mcp-gateway 0.1.0 at http://127.0.0.1:39400/mcp (config …)`. */
export function describeGateway(identity: GatewayIdentity): string {
  const config = identity.config ? ` (config ${identity.config})` : "";
  return identity.mode === "running"
    ? `mcp-gateway ${identity.version ?? "(version unknown)"} at ${identity.url}${config}`
    : `mcp-gateway ${identity.version} started for this command${config || " (no config file: defaults)"}`;
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

async function overHttp(url: URL, identity: GatewayIdentity): Promise<GatewaySession> {
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
  return { client, mode: "running", target: url.href, identity, close: () => client.close() };
}

/** What a running mcp-gateway says about itself on /health. */
interface HealthInfo {
  version: string;
  backends: string[];
}

/** /health of an mcp-gateway at `origin`, or undefined when nothing (or some other program) answers. */
async function readHealth(origin: string, fetchFn: typeof fetch): Promise<HealthInfo | undefined> {
  try {
    const response = await fetchFn(`${origin}/health`, { signal: AbortSignal.timeout(750) });
    const body = (await response.json()) as { version?: unknown; backends?: unknown };
    if (typeof body.version !== "string" || typeof body.backends !== "object" || body.backends === null)
      return undefined;
    return { version: body.version, backends: Object.keys(body.backends) };
  } catch {
    return undefined;
  }
}

/**
 * Connects to the gateway named by `url`, else to one already running at the config's address, else starts
 * an ad-hoc gateway in this process (its backends stop on `close`).
 * @throws GatewayError CONFIG_* for a bad config, BACKEND_UNAVAILABLE when `url` does not answer
 */
export async function connectGateway(options: ConnectOptions = {}): Promise<GatewaySession> {
  const fetchFn = options.fetch ?? fetch;
  if (options.url) {
    const url = new URL(options.url);
    const health = await readHealth(url.origin, fetchFn);
    return overHttp(url, { mode: "running", url: url.href, version: health?.version, config: undefined });
  }
  const settings = resolveSettings({ config: options.config }, options.env ? { env: options.env } : {});
  const { host, port } = settings.config.server;
  const hostPart = host.includes(":")
    ? `[${host}]`
    : host === "0.0.0.0" || host === "::"
      ? "127.0.0.1"
      : host;
  const health =
    options.adHoc || port === 0 ? undefined : await readHealth(`http://${hostPart}:${port}`, fetchFn);
  if (health) {
    const url = new URL(`http://${hostPart}:${port}/mcp`);
    // Another project's gateway on the same port would answer for this config without a word: refuse.
    const wanted = Object.entries(settings.config.backends)
      .filter(([, entry]) => entry.enabled)
      .map(([name]) => name);
    const foreign = wanted.filter((name) => !health.backends.includes(name));
    if (foreign.length > 0) {
      throw new GatewayError(
        "USAGE",
        `the mcp-gateway ${health.version} at ${url.href} is not serving ${settings.configPath ?? "this config"} ` +
          `(it has no backend ${foreign.map((n) => `"${n}"`).join(", ")}; it has ${health.backends.join(", ") || "none"}). ` +
          `Use it anyway with --url ${url.href}, or start one from this config with --ad-hoc`,
      );
    }
    return overHttp(url, {
      mode: "running",
      url: url.href,
      version: health.version,
      config: settings.configPath,
    });
  }
  const gateway = await Gateway.open(settings.config);
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
    identity: { mode: "ad-hoc", url: undefined, version: VERSION, config: settings.configPath },
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
