import type { ServeFlags } from "../config/resolve.ts";
import { watchFile } from "../config/watch.ts";
import { errorMessage, GatewayError } from "../errors.ts";
import type { Gateway } from "../gateway.ts";
import { configureLog, log } from "../log.ts";
import { breathe, claimEarlyListener } from "./early-listen.ts";
import type { HttpFrontEnd } from "./http.ts";
import type { Surface } from "./session-server.ts";

/** Runs the gateway until SIGINT/SIGTERM (or, with --stdio, until the client closes stdin). */
export async function runGateway(flags: ServeFlags & { stdio?: boolean | undefined }): Promise<void> {
  // main.ts may already listen and answer /health ("starting"); the heavy modules load only now.
  let early = claimEarlyListener();
  await breathe();
  const { resolveSettings } = await import("../config/resolve.ts");
  await breathe();
  const { Gateway } = await import("../gateway.ts");
  await breathe();
  const settings = resolveSettings(flags);
  configureLog({ level: settings.logLevel, format: settings.logFormat });
  for (const warning of settings.warnings) log.warn(warning);
  if (settings.configPath) log.info(`config: ${settings.configPath}`);
  else
    log.warn(`no config file found; starting with no backends. Looked in: ${settings.searched.join(", ")}`);

  const config = settings.config;
  if (early && (flags.stdio || !early.serves(config.server))) {
    // The early guess missed (a config shape it does not read): listen where the config says, as before.
    early.abandon();
    early = undefined;
  }
  const surface: Surface = config.meta_mcp.enabled ? { kind: "meta" } : { kind: "transparent" };
  await breathe();
  const gateway = new Gateway(config);
  gateway.start();
  if (early) {
    const { healthReport } = await import("./health.ts");
    early.showGateway(() => healthReport(gateway));
  }

  const stopWatching = settings.configPath
    ? startReloading(gateway, flags, settings.configPath)
    : () => undefined;
  let http: HttpFrontEnd | undefined;
  let stopping: Promise<void> | undefined;
  const shutdown = (reason: string): Promise<void> => {
    stopping ??= (async () => {
      log.info(`shutting down (${reason})`);
      const force = setTimeout(() => {
        log.error(`shutdown took longer than ${config.server.shutdown_timeout}ms; exiting anyway`);
        process.exit(1);
      }, config.server.shutdown_timeout + 5000);
      force.unref();
      // shutdown_timeout is what calls in flight get; stopping the backends may take a few seconds more.
      stopWatching();
      if (!http) early?.abandon();
      await http
        ?.stop({ graceMs: config.server.shutdown_timeout })
        .catch((err) => log.warn(`stopping HTTP: ${errorMessage(err)}`));
      log.debug("front end closed; stopping backends");
      await gateway.stop();
      log.debug("backends stopped");
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
    const { serveStdio } = await import("./stdio.ts");
    log.info(`serving MCP on stdio (${surface.kind} mode)`);
    await serveStdio(gateway, surface);
    await shutdown("stdin closed");
    process.exit(0);
  }

  await breathe();
  const { startHttpFrontEnd } = await import("./http.ts");
  try {
    http = startHttpFrontEnd(gateway, { surface, ...(early ? { listener: early } : {}) });
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

/**
 * Reloads the config when its file changes or on SIGHUP. A config that fails to load or validate is
 * rejected with its error logged; the running one keeps serving. Reloads run one at a time.
 */
function startReloading(gateway: Gateway, flags: ServeFlags, path: string): () => void {
  let queue: Promise<void> = Promise.resolve();
  const reload = (why: string): void => {
    queue = queue.then(async () => {
      try {
        const [{ resolveSettings }, { applyConfig }] = await Promise.all([
          import("../config/resolve.ts"),
          import("./reload.ts"),
        ]);
        const next = resolveSettings({ ...flags, config: path });
        const report = await applyConfig(gateway, next.config);
        const changes = [
          ...report.added.map((n) => `+${n}`),
          ...report.removed.map((n) => `-${n}`),
          ...report.restarted.map((n) => `~${n}`),
        ];
        log.info(
          `config reloaded (${why}): ${changes.length > 0 ? changes.join(" ") : "no backend changes"}`,
        );
      } catch (err) {
        log.error(`config reload rejected (${why}); still serving the previous config: ${errorMessage(err)}`);
      }
    });
  };
  const unwatch = watchFile(path, () => reload("file changed"));
  const onHup = (): void => reload("SIGHUP");
  process.on("SIGHUP", onHup);
  return () => {
    unwatch();
    process.off("SIGHUP", onHup);
  };
}
