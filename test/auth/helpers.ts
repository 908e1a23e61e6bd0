import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { Auth, type AuthOptions } from "../../src/auth/auth.ts";
import { parseConfig } from "../../src/config/load.ts";
import type { Surface } from "../../src/gateway/call-context.ts";
import { GatewayCore } from "../../src/gateway/core.ts";
import { Gateway } from "../../src/gateway/gateway.ts";
import { type HttpFrontEnd, startHttpFrontEnd } from "../../src/server/http/front-end.ts";
import { tempDir } from "../helpers/gateway.ts";

/** A gateway with an `auth:` section, in this process, on a free loopback port. */
export interface AuthGateway {
  gateway: Gateway;
  auth: Auth | undefined;
  http: HttpFrontEnd;
  keysPath: string;
  url: URL;
  /** A second HTTP front end on the same gateway, showing every tool (transparent). */
  transparent: HttpFrontEnd;
  stop(): Promise<void>;
}

/** Starts a gateway from YAML (its `auth:` section, if any, turns auth on; keys in `keysPath`). */
export async function startAuthGateway(
  yaml: string,
  options: { keysPath?: string; surface?: Surface; port?: number; auth?: Omit<AuthOptions, "keysPath"> } = {},
): Promise<AuthGateway> {
  const { config } = parseConfig(yaml, { file: "test.yaml" });
  config.lifecycle.cache_dir ??= tempDir("mcp-gateway-cache-");
  const keysPath = options.keysPath ?? join(tempDir("mcp-gateway-keys-"), "gateway.keys.json");
  const auth = config.auth ? new Auth(config.auth, { keysPath, ...options.auth }) : undefined;
  const gateway = new Gateway(new GatewayCore(config), auth?.hooks() ?? {});
  gateway.start();
  await gateway.ready;
  const front = (surface: Surface, port = 0) =>
    startHttpFrontEnd(gateway, { host: "127.0.0.1", port, surface, auth });
  const http = front(options.surface ?? { kind: "meta" }, options.port);
  const transparent = front({ kind: "transparent" });
  const stopWatching = auth?.watch() ?? (() => undefined);
  return {
    gateway,
    auth,
    http,
    keysPath,
    url: http.url,
    transparent,
    stop: async () => {
      stopWatching();
      await Promise.all([http.stop(), transparent.stop()]);
      await gateway.stop();
      auth?.close();
    },
  };
}

/** An SDK client over Streamable HTTP or legacy SSE that sends `key` as a bearer token. */
export async function connectWithKey(
  url: URL,
  key: string,
  transport: "http" | "sse" = "http",
): Promise<Client> {
  const client = new Client({ name: "auth-test", version: "1.0.0" });
  const requestInit = { headers: { authorization: `Bearer ${key}` } };
  await client.connect(
    transport === "sse"
      ? new SSEClientTransport(url, {
          requestInit,
          eventSourceInit: {
            fetch: (input, init) =>
              fetch(input, {
                ...init,
                headers: { ...(init?.headers as object), authorization: `Bearer ${key}` },
              }),
          },
        })
      : new StreamableHTTPClientTransport(url, { requestInit }),
  );
  return client;
}

/** Resolves when `check` holds, polling each 20 ms; rejects after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await Bun.sleep(20);
  }
}
