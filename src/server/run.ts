import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Auth } from "../auth/auth.ts";
import type { ServeFlags } from "../config/resolve.ts";
import type { GatewayConfig } from "../config/schema.ts";
import { isBlankConfig, watchFile } from "../config/watch.ts";
import { errorMessage, GatewayError } from "../errors.ts";
import type { Surface } from "../gateway/call-context.ts";
import type { Gateway } from "../gateway/gateway.ts";
import { configureLog, log } from "../log.ts";
import { exposureRefusal, exposureWarning, isLoopbackHost } from "./exposure.ts";
import type { FrontEndTls, HttpFrontEnd } from "./http/front-end.ts";

/** Runs the gateway until SIGINT/SIGTERM (or, with --stdio, until the client closes stdin). */
export async function runGateway(
  flags: ServeFlags & {
    stdio?: boolean | undefined;
    allowUnauthenticated?: boolean | undefined;
    /** Called once the HTTP front end listens and the backends' first start has begun (`serve`'s progress). */
    onListening?: ((gateway: Gateway) => void) | undefined;
  },
): Promise<void> {
  const { resolveSettings } = await import("../config/resolve.ts");
  const settings = resolveSettings(flags);
  configureLog({ level: settings.logLevel, format: settings.logFormat });
  for (const warning of settings.warnings) log.warn(warning);
  if (settings.configPath) log.info(`config: ${settings.configPath}`);
  else
    log.warn(`no config file found; starting with no backends. Looked in: ${settings.searched.join(", ")}`);

  const config = settings.config;
  const surface: Surface = config.meta_mcp.enabled ? { kind: "meta" } : { kind: "transparent" };
  const allowUnauthenticated =
    flags.allowUnauthenticated === true ||
    config.server.allow_unauthenticated ||
    process.env.MCP_GATEWAY_ALLOW_UNAUTHENTICATED === "1";
  const tlsConfig = config.server.tls;
  // Required client certificates authenticate every connection: that is auth enough to listen wide.
  const certificatesRequired = tlsConfig?.client_ca !== undefined && tlsConfig.client_cert === "required";
  if (!flags.stdio) {
    const refusal = exposureRefusal(config.server.host, {
      auth: config.auth !== undefined || certificatesRequired,
      allowUnauthenticated,
    });
    if (refusal) throw new GatewayError("USAGE", refusal);
    if (tlsConfig && Object.keys(tlsConfig.clients).length > 0 && !config.auth) {
      throw new GatewayError(
        "USAGE",
        "server.tls.clients gives certificates scopes, which only an auth: section enforces: add one (auth: {} will do)",
      );
    }
  }
  const tls = flags.stdio ? undefined : await readTls(config, settings.configPath);
  const auth = await startAuth(config, settings.configPath);
  const { Gateway } = await import("../gateway/gateway.ts");
  const gateway = await Gateway.open(config, auth?.hooks() ?? {});
  // Replicas share per-key rate limits and budgets through the cluster's Redis, when there is one.
  if (gateway.cluster?.link)
    auth?.share({ buckets: gateway.cluster.buckets, budgets: gateway.cluster.budgets });
  const stopWatchingKeys = auth?.watch() ?? (() => undefined);

  const stopWatching = settings.configPath
    ? startReloading(gateway, flags, settings.configPath, auth)
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
      stopWatchingKeys();
      await http
        ?.stop({ graceMs: config.server.shutdown_timeout })
        .catch((err) => log.warn(`stopping HTTP: ${errorMessage(err)}`));
      log.debug("front end closed; stopping backends");
      await gateway.stop();
      log.debug("backends stopped");
      auth?.close();
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
    // As over HTTP: the backends start once the client's first requests are answered (or shortly after).
    const { FirstServed } = await import("./http/first-served.ts");
    const served = new FirstServed();
    gateway.start({ warmUpAfter: served.settled });
    const { serveStdio } = await import("./stdio.ts");
    log.info(`serving MCP on stdio (${surface.kind} mode)`);
    await serveStdio(gateway, surface, { served });
    served.stop();
    await shutdown("stdin closed");
    process.exit(0);
  }

  const exposed = auth || certificatesRequired ? undefined : exposureWarning(config.server.host);
  if (exposed) log.warn(exposed);
  // Listen first: a client's initialize and tools/list need no backend, so the backends start after them.
  const { startHttpFrontEnd } = await import("./http/front-end.ts");
  try {
    http = startHttpFrontEnd(gateway, { surface, auth, tls });
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
  // The backends start once the first client has been served (or shortly after listening without one).
  const begun = gateway.start({ warmUpAfter: http.firstServed });
  log.info(
    `listening on ${http.url.href}mcp (${surface.kind} mode, ${gateway.backendNames.length} backends)`,
  );
  // The dashboard answers where /metrics does: on a loopback bind, or anywhere with auth (admin keys).
  if (auth || isLoopbackHost(config.server.host)) log.info(`dashboard: ${new URL("/ui", http.url).href}`);
  void begun.then(() => flags.onListening?.(gateway));
}

/** The config's `auth:` section at work (keys file read), or undefined without one. */
async function startAuth(config: GatewayConfig, configPath: string | undefined): Promise<Auth | undefined> {
  if (!config.auth) return undefined;
  const { Auth } = await import("../auth/auth.ts");
  const { keysFilePath } = await import("../auth/keys.ts");
  const keysPath = keysFilePath(configPath ?? `${process.cwd()}/gateway.yaml`, config.auth.keys_file);
  // The container's first start (see deploy/Dockerfile): an admin key from the environment, or a new one.
  const { bootstrapAdminKey } = await import("../auth/bootstrap.ts");
  const boot = await bootstrapAdminKey(keysPath, {
    given: process.env.MCP_GATEWAY_ADMIN_KEY,
    generate: process.env.MCP_GATEWAY_GENERATE_ADMIN_KEY === "1",
  });
  if (boot.kind === "generated") {
    log.warn(
      `no key existed: created the admin key ${boot.key} — shown only now (${keysPath} keeps a hash); store it, or set MCP_GATEWAY_ADMIN_KEY to choose your own`,
    );
  } else if (boot.kind === "given" && boot.changed) {
    log.info(`admin key from MCP_GATEWAY_ADMIN_KEY stored, hashed, in ${keysPath}`);
  }
  const auth = new Auth(config.auth, { keysPath });
  log.info(`auth: ${auth.keyCount} API key(s) from ${keysPath}`);
  const otherwise = auth.oauth !== undefined || Object.keys(config.server.tls?.clients ?? {}).length > 0;
  if (auth.keyCount === 0 && !otherwise)
    log.warn("auth is on but no key exists yet: create one with mcp-gateway keys add NAME --scope admin");
  return auth;
}

/** `server.tls`'s PEM files (paths relative to the config's folder), or undefined without TLS. */
async function readTls(
  config: GatewayConfig,
  configPath: string | undefined,
): Promise<FrontEndTls | undefined> {
  const tls = config.server.tls;
  if (!tls) return undefined;
  const base = configPath ? dirname(configPath) : process.cwd();
  const read = (what: string, path: string): string => {
    try {
      return readFileSync(resolve(base, path), "utf8");
    } catch (error) {
      throw new GatewayError(
        "CONFIG_INVALID",
        `server.tls.${what}: cannot read ${path}: ${errorMessage(error)}`,
        {
          cause: error,
        },
      );
    }
  };
  const { ClientCertificates } = await import("../auth/client-certs.ts");
  const clients = new ClientCertificates(tls.clients);
  if (tls.client_ca) {
    log.info(
      `mutual TLS: client certificates ${tls.client_cert}; ${clients.size} subject(s) mapped to principals`,
    );
  }
  return {
    cert: read("cert", tls.cert),
    key: read("key", tls.key),
    ca: tls.client_ca === undefined ? undefined : read("client_ca", tls.client_ca),
    requireCert: tls.client_cert === "required",
    clients,
  };
}

/**
 * Reloads the config when its file changes or on SIGHUP. A config that fails to load or validate is
 * rejected with its error logged; the running one keeps serving. Reloads run one at a time.
 */
function startReloading(
  gateway: Gateway,
  flags: ServeFlags,
  path: string,
  auth: Auth | undefined,
): () => void {
  let queue: Promise<void> = Promise.resolve();
  const reload = (why: string): void => {
    queue = queue.then(async () => {
      try {
        if (isBlankConfig(path)) {
          log.warn(
            `config reload skipped (${why}): ${path} is empty (caught mid-write?); write \`backends: {}\` to remove every backend`,
          );
          return;
        }
        const { resolveSettings } = await import("../config/resolve.ts");
        const next = resolveSettings({ ...flags, config: path });
        const report = await gateway.reload(next.config);
        if (auth && next.config.auth) auth.update(next.config.auth);
        else if ((auth === undefined) !== (next.config.auth === undefined)) {
          log.warn("adding or removing the auth: section takes effect on restart");
        }
        const changes = [
          ...report.added.map((n) => `+${n}`),
          ...report.removed.map((n) => `-${n}`),
          ...report.restarted.map((n) => `~${n}`),
        ];
        log.info(
          `config reloaded (${why}): ${changes.length > 0 ? changes.join(" ") : "no backend changes"}`,
        );
      } catch (err) {
        gateway.rejectReload(why, err);
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
