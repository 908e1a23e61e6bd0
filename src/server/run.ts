import type { ServeFlags } from "../config/resolve.ts";
import { resolveSettings } from "../config/resolve.ts";
import { errorMessage, GatewayError } from "../errors.ts";
import { Gateway } from "../gateway.ts";
import { configureLog, log } from "../log.ts";
import { type HttpFrontEnd, startHttpFrontEnd } from "./http.ts";
import type { Surface } from "./session-server.ts";
import { serveStdio } from "./stdio.ts";

/** Runs the gateway until SIGINT/SIGTERM (or, with --stdio, until the client closes stdin). */
export async function runGateway(flags: ServeFlags & { stdio?: boolean | undefined }): Promise<void> {
  const settings = resolveSettings(flags);
  configureLog({ level: settings.logLevel, format: settings.logFormat });
  for (const warning of settings.warnings) log.warn(warning);
  if (settings.configPath) log.info(`config: ${settings.configPath}`);
  else
    log.warn(`no config file found; starting with no backends. Looked in: ${settings.searched.join(", ")}`);

  const config = settings.config;
  const surface: Surface = config.meta_mcp.enabled ? { kind: "meta" } : { kind: "transparent" };
  const gateway = new Gateway(config);
  gateway.start();

  let http: HttpFrontEnd | undefined;
  let stopping: Promise<void> | undefined;
  const shutdown = (reason: string): Promise<void> => {
    stopping ??= (async () => {
      log.info(`shutting down (${reason})`);
      const force = setTimeout(() => {
        log.error(`shutdown took longer than ${config.server.shutdown_timeout}ms; exiting anyway`);
        process.exit(1);
      }, config.server.shutdown_timeout);
      force.unref();
      await http?.stop().catch((err) => log.warn(`stopping HTTP: ${errorMessage(err)}`));
      await gateway.stop();
      clearTimeout(force);
    })();
    return stopping;
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      void shutdown(signal).then(() => process.exit(0));
    });
  }

  if (flags.stdio) {
    log.info(`serving MCP on stdio (${surface.kind} mode)`);
    await serveStdio(gateway, surface);
    await shutdown("stdin closed");
    process.exit(0);
  }

  try {
    http = startHttpFrontEnd(gateway, { surface });
  } catch (err) {
    await gateway.stop();
    const message = errorMessage(err);
    if (/in use|EADDRINUSE/i.test(message)) {
      throw new GatewayError(
        "USAGE",
        `port ${config.server.port} on ${config.server.host} is already in use (pick another with --port)`,
        { cause: err },
      );
    }
    throw err;
  }
  log.info(`listening on ${http.url.href}mcp (${surface.kind} mode, ${gateway.pool.names.length} backends)`);
}
