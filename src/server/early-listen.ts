import type { Server as BunServer } from "bun";
import pkg from "../../package.json" with { type: "json" };

// Start-up is what a client waits on: `serve` binds its port and answers /health ("starting") before the
// rest of the program (zod schemas, the MCP SDK, 100 backends' config) has even loaded. This module may
// import only what that needs; everything else comes in later through dynamic imports. Even node:fs,
// node:path and node:os cost about 3 ms to load under `bun src/main.ts`, so the config is read with
// Bun.file and its paths are built by hand (src/config/paths.ts stays the authority: a guess that misses
// only costs the early start, since run.ts checks it against the validated config). For the same reason
// the version is read here as src/version.ts reads it (one module fewer: about 0.45 ms).
const VERSION: string = process.env.MCP_GATEWAY_BUILD_VERSION ?? pkg.version;

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
    const indented = line.startsWith(" ") || line.startsWith("\t");
    // Most lines of a big config belong to other sections (backends): pass them before any regex runs.
    if (indented && !inServer) continue;
    if (/^\s*(#.*)?$/.test(line) || line === "---") continue;
    if (!indented) {
      const top = /^([A-Za-z_][\w.-]*)[ \t]*:(.*)$/.exec(line);
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
 * `${VAR}` and `${VAR:-default}` as src/config/interpolate.ts expands them; undefined when one is unset.
 * A copy, not an import: every module loaded before the port is bound costs start-up time (a test pins the
 * two together).
 */
export function expand(value: string, env: Record<string, string | undefined>): string | undefined {
  let missing = false;
  const out = value.replace(
    /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g,
    (whole, name: string | undefined, fallback: string | undefined) => {
      if (whole === "$${") return "${";
      const found = env[name ?? ""];
      if (found !== undefined && found !== "") return found;
      if (fallback !== undefined) return fallback;
      if (found === undefined) missing = true;
      return "";
    },
  );
  return missing ? undefined : out;
}

/** An HTTP `serve` invocation: its flags and the config files `locateConfig` would try, in order. */
interface EarlyServe {
  flags: Partial<Record<"config" | "port" | "host", string>>;
  env: Record<string, string | undefined>;
  /** The first of these that exists is the config; none existing means no config file. */
  candidates: string[];
  /** True when the user named the file, so its absence means no early start. */
  explicit: boolean;
}

/**
 * What `locateConfig` would do, with paths built by hand (a test pins the candidates to
 * `defaultConfigCandidates`); undefined when argv is not an HTTP serve.
 */
export function earlyServe(
  argv: readonly string[],
  options: { env?: Record<string, string | undefined>; cwd?: string },
): EarlyServe | undefined {
  const flags = serveFlags(argv);
  if (!flags) return undefined;
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const windows = process.platform === "win32";
  const join = (...parts: string[]): string => parts.join(windows ? "\\" : "/");
  const named = flags.config ?? env.MCP_GATEWAY_CONFIG;
  if (named) {
    const absolute = windows ? /^([A-Za-z]:)?[\\/]/.test(named) : named.startsWith("/");
    return { flags, env, candidates: [absolute ? named : join(cwd, named)], explicit: true };
  }
  // os.homedir() answers HOME (USERPROFILE on Windows) when set; otherwise leave it to the normal start.
  const home = env.HOME ?? (windows ? env.USERPROFILE : undefined);
  if (!home) return undefined;
  const candidates = [
    join(cwd, "gateway.yaml"),
    join(cwd, "servers.yaml"),
    join(home, ".config", "mcp-gateway", "gateway.yaml"),
    "/etc/mcp-gateway/gateway.yaml",
  ];
  return { flags, env, candidates, explicit: false };
}

/** A failed read: a file that does not exist is skipped (as `existsSync` would); anything else is unclear. */
function missing(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === "ENOENT" || code === "ENOTDIR";
}

/**
 * The address from flags > MCP_GATEWAY_* environment > config text > defaults, as `resolveSettings`
 * orders them; undefined when anything is unclear.
 */
function addressOf(serve: EarlyServe, text: string | undefined): ListenAddress | undefined {
  const { flags, env } = serve;
  let file: ReturnType<typeof scanServerSection> = {};
  if (text !== undefined) {
    file = scanServerSection(text);
    if (!file) return undefined;
  }
  const portText = flags.port ?? (env.MCP_GATEWAY_PORT || undefined) ?? file.port ?? String(DEFAULT_PORT);
  const hostText = flags.host ?? (env.MCP_GATEWAY_HOST || undefined);
  const host = hostText ?? (file.host === undefined ? DEFAULT_HOST : expand(file.host, env));
  const bodyText = file.max_body_size ?? String(DEFAULT_MAX_BODY_SIZE);
  if (!/^\d+$/.test(portText) || !/^\d+$/.test(bodyText) || !host) return undefined;
  const port = Number(portText);
  const maxBodySize = Number(bodyText);
  if (port > 65535 || maxBodySize <= 0) return undefined;
  return { host, port, maxBodySize };
}

/**
 * The address `serve` will listen on, guessed without loading the config schema. Undefined when argv is
 * not an HTTP serve or anything is unclear; the guess is checked against the validated config later.
 */
export function guessListenAddress(
  argv: readonly string[],
  options: { env?: Record<string, string | undefined>; cwd?: string } = {},
): ListenAddress | undefined {
  const serve = earlyServe(argv, options);
  if (!serve) return undefined;
  // Synchronous for callers that need it (tests); listenEarly reads with Bun.file instead.
  const { readFileSync } = require("node:fs") as typeof import("node:fs");
  for (const path of serve.candidates) {
    try {
      return addressOf(serve, readFileSync(path, "utf8"));
    } catch (err) {
      if (serve.explicit || !missing(err)) return undefined;
    }
  }
  return addressOf(serve, undefined);
}

/** `guessListenAddress`, reading the config with Bun.file so that node:fs need not load. */
async function guessListenAddressAsync(argv: readonly string[]): Promise<ListenAddress | undefined> {
  const serve = earlyServe(argv, {});
  if (!serve) return undefined;
  for (const path of serve.candidates) {
    let text: string;
    try {
      text = await Bun.file(path).text();
    } catch (err) {
      if (serve.explicit || !missing(err)) return undefined;
      continue;
    }
    return addressOf(serve, text);
  }
  return addressOf(serve, undefined);
}

/**
 * A `Bun.serve` bound before the gateway is built: `/health` answers `"starting"` (listing the backends
 * once the gateway exists), every other request waits for the real routes, which `takeOver` installs.
 */
export class EarlyListener {
  readonly address: ListenAddress;
  readonly #server: BunServer<undefined>;
  #report: (() => Record<string, unknown>) | undefined;
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
    if (this.#report) return { ...this.#report(), status: "starting" };
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

  /**
   * Lets /health list the gateway's backends (status stays "starting" until `takeOver`): `report` is
   * `healthReport` bound to the gateway, passed in so that this module need not load it.
   */
  showGateway(report: () => Record<string, unknown>): void {
    this.#report = report;
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
 * resolves to whether it did. Never rejects: when the port cannot be bound now, the normal start reports it.
 */
export async function listenEarly(argv: readonly string[]): Promise<boolean> {
  const address = await guessListenAddressAsync(argv).catch(() => undefined);
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
