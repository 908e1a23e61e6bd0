import { readFileSync } from "node:fs";
import type { Server as BunServer } from "bun";
import { expandString } from "../config/interpolate.ts";
import { locateConfig } from "../config/paths.ts";
import type { Gateway } from "../gateway.ts";
import { VERSION } from "../version.ts";
import { healthReport } from "./health.ts";

// Start-up is what a client waits on: `serve` binds its port and answers /health ("starting") before the
// rest of the program (zod schemas, the MCP SDK, 100 backends' config) has even loaded. This module may
// import only what that needs; everything else comes in later through dynamic imports.

/** Where the gateway is expected to listen, guessed from argv, environment and config text. */
export interface ListenAddress {
  host: string;
  port: number;
  maxBodySize: number;
}

/** The routes that take over once the gateway is ready (see `startHttpFrontEnd`). */
export interface ListenerRoutes {
  fetch: (request: Request) => Response | Promise<Response>;
  error: (error: Error) => Response;
}

// The schema's defaults for the three fields (src/config/schema.ts); a drift only costs the early start.
const DEFAULT_PORT = 39400;
const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_MAX_BODY_SIZE = 4 * 1024 * 1024;

const VALUE_FLAGS: Record<string, "config" | "port" | "host" | null> = {
  "--config": "config",
  "-c": "config",
  "--port": "port",
  "-p": "port",
  "--host": "host",
  "--log-level": null,
  "--log-format": null,
};
const BOOLEAN_FLAGS = new Set(["--meta-mcp", "--no-meta-mcp"]);

/** Flags of an HTTP `serve` invocation, or undefined for anything else (other commands, --stdio, help). */
function serveFlags(
  argv: readonly string[],
): Partial<Record<"config" | "port" | "host", string>> | undefined {
  let flags: Partial<Record<"config" | "port" | "host", string>> = {};
  let explicitServe = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith("-") || arg === "-") {
      // Like citty: flags before an explicit `serve` belong to the root and do not reach serve.
      if (arg !== "serve" || explicitServe) return undefined;
      explicitServe = true;
      flags = {};
      continue;
    }
    const eq = arg.indexOf("=");
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (name in VALUE_FLAGS) {
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined) return undefined;
      const key = VALUE_FLAGS[name];
      if (key) flags[key] = value;
    } else if (!BOOLEAN_FLAGS.has(name) || eq > 0) {
      return undefined;
    }
  }
  return flags;
}

/** One plain or quoted YAML scalar (with an optional comment), or undefined for anything else. */
function scalar(raw: string): string | undefined {
  const text = raw.trim();
  const double = /^"([^"\\]*)"\s*(#.*)?$/.exec(text);
  if (double) return double[1];
  const single = /^'((?:[^']|'')*)'\s*(#.*)?$/.exec(text);
  if (single) return single[1]?.replaceAll("''", "'");
  if (text === "" || /^[[{&*!|>%@`#"']/.test(text)) return undefined;
  const plain = text.replace(/\s+#.*$/, "");
  return /^(~|null)$/i.test(plain) ? undefined : plain;
}

/** A plain YAML integer (the schema takes numbers only: a quoted or `${VAR}` port is a config error). */
function integer(raw: string): string | undefined {
  const value = scalar(raw);
  return value !== undefined && /^\d+$/.test(value) && !/^\s*['"]/.test(raw) ? value : undefined;
}

/**
 * `server.{port,host,max_body_size}` (and the legacy top-level `port`/`host`) from config text, read line
 * by line; undefined when the text is shaped in a way this reader does not follow.
 */
export function scanServerSection(
  text: string,
): Partial<Record<"port" | "host" | "max_body_size", string>> | undefined {
  const section: Record<string, string> = {};
  const legacy: Record<string, string> = {};
  let inServer = false;
  let indent: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (/^\s*(#.*)?$/.test(line) || line === "---") continue;
    const top = /^([A-Za-z_][\w.-]*)[ \t]*:(.*)$/.exec(line);
    if (!/^[ \t]/.test(line)) {
      if (!top) return undefined;
      const [, key, rest = ""] = top;
      inServer = key === "server";
      indent = undefined;
      if (inServer && !/^\s*(#.*)?$/.test(rest)) return undefined;
      if (key === "port" || key === "host") {
        const value = key === "host" ? scalar(rest) : integer(rest);
        if (value === undefined) return undefined;
        legacy[key] = value;
      }
      continue;
    }
    if (!inServer) continue;
    const depth = /^[ \t]*/.exec(line)?.[0] ?? "";
    indent ??= depth;
    if (depth !== indent) {
      if (depth.startsWith(indent)) continue; // inside a nested value, such as allowed_origins
      return undefined;
    }
    const entry = /^[ \t]+([A-Za-z_][\w.-]*)[ \t]*:(.*)$/.exec(line);
    if (!entry) return undefined;
    const [, key = "", rest = ""] = entry;
    if (key === "port" || key === "host" || key === "max_body_size") {
      const value = key === "host" ? scalar(rest) : integer(rest);
      if (value === undefined) return undefined;
      section[key] = value;
    }
  }
  const out: Partial<Record<"port" | "host" | "max_body_size", string>> = {};
  const port = section.port ?? legacy.port;
  const host = section.host ?? legacy.host;
  if (port !== undefined) out.port = port;
  if (host !== undefined) out.host = host;
  if (section.max_body_size !== undefined) out.max_body_size = section.max_body_size;
  return out;
}

/**
 * The address `serve` will listen on, guessed without loading the config schema: flags > MCP_GATEWAY_*
 * environment > config file > defaults, as `resolveSettings` orders them. Undefined when argv is not an
 * HTTP serve or anything is unclear; the guess is checked against the validated config later.
 */
export function guessListenAddress(
  argv: readonly string[],
  options: { env?: Record<string, string | undefined>; cwd?: string } = {},
): ListenAddress | undefined {
  const env = options.env ?? process.env;
  const flags = serveFlags(argv);
  if (!flags) return undefined;
  const location = locateConfig({ flag: flags.config, env, ...(options.cwd ? { cwd: options.cwd } : {}) });
  let file: ReturnType<typeof scanServerSection> = {};
  if (location.path) {
    let text: string;
    try {
      text = readFileSync(location.path, "utf8");
    } catch {
      return undefined;
    }
    file = scanServerSection(text);
    if (!file) return undefined;
  }
  let missing = false;
  const expand = (value: string | undefined): string | undefined =>
    value === undefined
      ? undefined
      : expandString(value, env, () => {
          missing = true;
        });
  const portText = flags.port ?? (env.MCP_GATEWAY_PORT || undefined) ?? file.port ?? String(DEFAULT_PORT);
  const host = flags.host ?? (env.MCP_GATEWAY_HOST || undefined) ?? expand(file.host) ?? DEFAULT_HOST;
  const bodyText = file.max_body_size ?? String(DEFAULT_MAX_BODY_SIZE);
  if (missing || !/^\d+$/.test(portText) || !/^\d+$/.test(bodyText) || host === "") return undefined;
  const port = Number(portText);
  const maxBodySize = Number(bodyText);
  if (port > 65535 || maxBodySize <= 0) return undefined;
  return { host, port, maxBodySize };
}

/**
 * A `Bun.serve` bound before the gateway is built: `/health` answers `"starting"` (listing the backends
 * once the gateway exists), every other request waits for the real routes, which `takeOver` installs.
 */
export class EarlyListener {
  readonly address: ListenAddress;
  readonly #server: BunServer<undefined>;
  #gateway: Gateway | undefined;
  #routes: ListenerRoutes | undefined;
  readonly #ready: Promise<ListenerRoutes>;
  #settle: { resolve: (routes: ListenerRoutes) => void; reject: (err: Error) => void } | undefined;

  /** Binds the address; throws what `Bun.serve` throws (port in use, bad host). */
  constructor(address: ListenAddress) {
    this.address = address;
    this.#ready = new Promise<ListenerRoutes>((resolve, reject) => {
      this.#settle = { resolve, reject };
    });
    // Requests still waiting when the start is abandoned get a 503; nothing else awaits this promise.
    this.#ready.catch(() => undefined);
    this.#server = Bun.serve({
      hostname: address.host,
      port: address.port,
      // The same settings startHttpFrontEnd would use: Bun.serve cannot change them on reload.
      idleTimeout: 0,
      maxRequestBodySize: address.maxBodySize + 1024,
      fetch: (request) => this.#answer(request),
    });
  }

  #answer(request: Request): Response | Promise<Response> {
    if (this.#routes) return this.#routes.fetch(request);
    const path = new URL(request.url).pathname.replace(/\/+$/, "") || "/";
    if (path === "/health" && request.method === "GET") return Response.json(this.#health());
    return this.#ready.then(
      (routes) => routes.fetch(request),
      () => Response.json({ error: "the gateway did not finish starting" }, { status: 503 }),
    );
  }

  #health(): Record<string, unknown> {
    if (this.#gateway) return { ...healthReport(this.#gateway), status: "starting" };
    return {
      status: "starting",
      version: VERSION,
      uptime_s: Math.floor(performance.now() / 1000),
      tools: 0,
      backends: {},
    };
  }

  /** The port actually bound (differs from `address.port` when that is 0). */
  get port(): number {
    return this.#server.port as number;
  }

  /** True when the validated config asks for exactly the address this listener holds. */
  serves(server: { host: string; port: number; max_body_size: number }): boolean {
    const a = this.address;
    return server.host === a.host && server.port === a.port && server.max_body_size === a.maxBodySize;
  }

  /** Lets /health list the gateway's backends (status stays "starting" until `takeOver`). */
  showGateway(gateway: Gateway): void {
    this.#gateway = gateway;
  }

  /** Installs the real routes; requests that waited are answered by them. */
  takeOver(routes: ListenerRoutes): BunServer<undefined> {
    this.#routes = routes;
    this.#server.reload({ fetch: routes.fetch, error: routes.error });
    this.#settle?.resolve(routes);
    return this.#server;
  }

  /** Stops listening (the config asked for another address, or the start failed). */
  abandon(): void {
    this.#settle?.reject(new Error("start abandoned"));
    // Graceful: requests already waiting get their 503 before the connections close.
    void this.#server.stop();
  }
}

/**
 * Lets the event loop answer requests (the early /health) between heavy start-up steps. In a compiled
 * binary `import()` of a bundled module is only a microtask, so without this the whole start would run
 * before the first request is served. A timer, not setImmediate: only a full turn polls the sockets.
 */
export function breathe(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

let pending: EarlyListener | undefined;

/**
 * Binds early when argv is an HTTP `serve` whose address can be told without loading the config schema;
 * returns whether it did. Never throws: when the port cannot be bound now, the normal start reports it.
 */
export function listenEarly(argv: readonly string[]): boolean {
  const address = guessListenAddress(argv);
  if (!address) return false;
  try {
    pending = new EarlyListener(address);
    return true;
  } catch {
    pending = undefined;
    return false;
  }
}

/** The listener `listenEarly` bound (once: the caller owns it from then on). */
export function claimEarlyListener(): EarlyListener | undefined {
  const listener = pending;
  pending = undefined;
  return listener;
}
