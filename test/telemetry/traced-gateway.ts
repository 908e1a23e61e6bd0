import { parseConfig } from "../../src/config/load.ts";
import type { Surface } from "../../src/gateway/call-context.ts";
import { GatewayCore } from "../../src/gateway/core.ts";
import { Gateway } from "../../src/gateway/gateway.ts";
import { type HttpFrontEnd, startHttpFrontEnd } from "../../src/server/http/front-end.ts";
import { tempDir } from "../helpers/gateway.ts";

/** A gateway in this process with its own environment (`OTEL_*` or none), its core in reach. */
export interface TracedGateway {
  core: GatewayCore;
  gateway: Gateway;
  http: HttpFrontEnd;
  stop(): Promise<void>;
}

/** Starts a gateway from YAML under `env`, waits for its backends and telemetry, serves HTTP on loopback. */
export async function startTracedGateway(
  yaml: string,
  env: Record<string, string>,
  surface: Surface = { kind: "meta" },
): Promise<TracedGateway> {
  const { config } = parseConfig(yaml, { file: "test.yaml" });
  config.lifecycle.cache_dir = tempDir("mcp-gateway-otel-cache-");
  const core = new GatewayCore(config, { env });
  const gateway = new Gateway(core);
  gateway.start();
  await gateway.ready;
  await core.telemetry.ready;
  const http = startHttpFrontEnd(gateway, { host: "127.0.0.1", port: 0, surface });
  return {
    core,
    gateway,
    http,
    stop: async () => {
      await http.stop();
      await gateway.stop();
    },
  };
}
