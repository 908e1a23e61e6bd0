/**
 * How each relay in the peers bench is started: the gateway and the npm peers (supergateway, mcp-proxy,
 * mcp-hub, mcporter), each fronting the same stdio backends, plus the backend served directly. A started
 * relay knows its process tree (for RSS) and the endpoints an SDK client can reach it on.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { Client as SdkClient } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { benchTempDir } from "./bench-dirs.ts";
import { type BackendSpec, connectStdio, freePort } from "./mcp.ts";
import { BENCH_DIR, BUN, GATEWAY_ENTRY, ROOT } from "./paths.ts";

export type Transport = "http" | "sse" | "stdio";

/** One way to reach a relay: a transport, a client factory and the name get-sum has there. */
export interface Endpoint {
  relay: string;
  transport: Transport;
  /** Who answers `ping`: the relay itself, or the backend (the relay forwards it). */
  ping: "relay" | "backend";
  tool: string;
  connect(): Promise<Client>;
}

export interface Running {
  endpoints: Endpoint[];
  /** Endpoints that together reach every backend: listed once before idle RSS is read. */
  warm: Endpoint[];
  /** Pids of the relay's own processes (backends excluded), read now from /proc. */
  relayPids(): number[];
  /** How many backend processes the relay runs right now. */
  backendCount(): number;
  stop(): Promise<void>;
}

export interface Relay {
  name: string;
  /** npm bin this relay needs (undefined = always available). */
  bin?: string;
  start(backends: Record<string, BackendSpec>): Promise<Running>;
}

/** The npm bin of a bench-only package, or undefined when it is not installed. */
export function benchBin(name: string): string | undefined {
  const path = join(BENCH_DIR, "node_modules/.bin", name);
  return existsSync(path) ? path : undefined;
}

/** Installed version of a bench-only package ("?" when unreadable). */
export function benchVersion(pkg: string): string {
  try {
    const file = join(BENCH_DIR, "node_modules", pkg, "package.json");
    return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
  } catch {
    return "?";
  }
}

const BACKEND_MARKS = ["server-everything", "server-memory", "server-filesystem"];

function procTable(): Array<{ pid: number; ppid: number; cmd: string }> {
  const out: Array<{ pid: number; ppid: number; cmd: string }> = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const cmd = readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ");
      out.push({ pid: Number(entry), ppid, cmd });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Every live descendant of `roots` (roots included), with its command line. */
function tree(roots: readonly number[]): Array<{ pid: number; cmd: string }> {
  const table = procTable();
  const seen = new Set(roots);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of table) {
      if (!seen.has(p.pid) && seen.has(p.ppid)) {
        seen.add(p.pid);
        grew = true;
      }
    }
  }
  return table.filter((p) => seen.has(p.pid));
}

/** A backend is a process whose program (argv 0 or the script argv 1) is one of the backend servers. */
const isBackend = (cmd: string): boolean => {
  const [exe = "", script = ""] = cmd.split(" ");
  return BACKEND_MARKS.some((m) => exe.includes(m) || script.includes(m));
};

/** Resident set size of `pids` together, in MiB. */
export function rssMiB(pids: readonly number[]): number {
  let kb = 0;
  for (const pid of pids) {
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
    } catch {
      // exited
    }
  }
  return kb / 1024;
}

/**
 * Tracks the processes a relay spawned. Stop signals every process of the tree (collected first, so
 * children that outlive a parent — mcporter's daemon — are stopped by pid too), SIGKILL after 3 s.
 */
function processes(roots: number[]): Omit<Running, "endpoints" | "warm"> {
  let known = new Set<number>(roots);
  const live = (): Array<{ pid: number; cmd: string }> => {
    const t = tree([...known]);
    known = new Set([...known, ...t.map((p) => p.pid)]);
    return t;
  };
  return {
    relayPids: () =>
      live()
        .filter((p) => !isBackend(p.cmd))
        .map((p) => p.pid),
    backendCount: () => live().filter((p) => isBackend(p.cmd)).length,
    stop: async () => {
      const pids = live().map((p) => p.pid);
      for (const pid of pids) signal(pid, "SIGTERM");
      const deadline = performance.now() + 3000;
      while (pids.some(alive) && performance.now() < deadline) await Bun.sleep(20);
      for (const pid of pids.filter(alive)) signal(pid, "SIGKILL");
    },
  };
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function spawn(argv: string[], env: Record<string, string> = {}, cwd = ROOT): number {
  const proc = Bun.spawn(argv, { cwd, env: { ...process.env, ...env }, stdout: "ignore", stderr: "ignore" });
  return proc.pid;
}

function commandLine(spec: BackendSpec): string[] {
  return [...spec.command.split(/\s+/).filter(Boolean), ...(spec.args ?? [])];
}

async function sdk(transport: StreamableHTTPClientTransport | SSEClientTransport): Promise<Client> {
  const client = new SdkClient({ name: "peers-bench", version: "1.0.0" });
  await client.connect(transport);
  return client;
}
const http = (url: string) => (): Promise<Client> => sdk(new StreamableHTTPClientTransport(new URL(url)));
const sse = (url: string) => (): Promise<Client> => sdk(new SSEClientTransport(new URL(url)));

/**
 * Retries `connect` + tools/list until it works and lists the endpoint's tool (or, with `anyTool`, any
 * tool at all), or 60 s pass.
 */
export async function waitForEndpoint(
  endpoint: Endpoint,
  options: { anyTool?: boolean } = {},
): Promise<void> {
  const deadline = performance.now() + 60_000;
  for (;;) {
    try {
      const client = await endpoint.connect();
      const { tools } = await client.listTools();
      await client.close();
      if (options.anyTool ? tools.length > 0 : tools.some((t) => t.name === endpoint.tool)) return;
      throw new Error(
        `${endpoint.relay}: no tool ${endpoint.tool} (has ${tools.map((t) => t.name).join(", ")})`,
      );
    } catch (err) {
      if (performance.now() > deadline) {
        throw new Error(`${endpoint.relay} (${endpoint.transport}) never answered: ${String(err)}`);
      }
      await Bun.sleep(100);
    }
  }
}

function scratch(): string {
  return benchTempDir("peers-");
}

/** The single-backend relays (supergateway, mcp-proxy) run one process per backend. */
function perBackend(
  backends: Record<string, BackendSpec>,
  argv: (spec: BackendSpec, port: number) => string[],
): { pids: number[]; ports: Map<string, number> } {
  const pids: number[] = [];
  const ports = new Map<string, number>();
  for (const [name, spec] of Object.entries(backends)) {
    const port = freePort();
    ports.set(name, port);
    pids.push(spawn(argv(spec, port), spec.env));
  }
  return { pids, ports };
}

/**
 * The gateway (source on bun) serving HTTP with `--no-meta-mcp`: `/mcp/{backend}` is the direct surface,
 * `/sse` the legacy endpoint (transparent names), `/mcp` every backend; plus `--stdio` spawned per client.
 */
export function gatewayRelay(configFor: (backends: Record<string, BackendSpec>) => string): Relay {
  return {
    name: "mcp-gateway",
    start: async (backends) => {
      const config = configFor(backends);
      const port = freePort();
      const args = ["serve", "--config", config, "--no-meta-mcp", "--log-level", "error"];
      const pid = spawn([BUN, GATEWAY_ENTRY, ...args, "--port", String(port)]);
      const base = `http://127.0.0.1:${port}`;
      const first = firstName(backends);
      const stdioSpec = { command: `${BUN} ${GATEWAY_ENTRY}`, args: [...args, "--stdio"] };
      const relay = "mcp-gateway";
      return {
        ...processes([pid]),
        endpoints: [
          endpoint(`${relay} /mcp/{backend}`, "http", "relay", "get-sum", http(`${base}/mcp/${first}`)),
          endpoint(`${relay} /sse`, "sse", "relay", `${first}__get-sum`, sse(`${base}/sse`)),
          endpoint(`${relay} --stdio`, "stdio", "relay", `${first}__get-sum`, () => connectStdio(stdioSpec)),
        ],
        warm: [endpoint(relay, "http", "relay", "", http(`${base}/mcp`))],
      };
    },
  };
}

function endpoint(
  relay: string,
  transport: Transport,
  ping: Endpoint["ping"],
  tool: string,
  connect: () => Promise<Client>,
): Endpoint {
  return { relay, transport, ping, tool, connect };
}

const firstName = (backends: Record<string, BackendSpec>): string => Object.keys(backends)[0] as string;

/**
 * supergateway serves one backend per process and one transport per process. Its stateful Streamable HTTP
 * mode spawns a backend per session, so RSS is read from its SSE processes (one backend each, from boot).
 */
export const supergateway: Relay = {
  name: "supergateway",
  bin: "supergateway",
  start: async (backends) => {
    const bin = benchBin("supergateway") as string;
    const argv = (out: string) => (spec: BackendSpec, port: number) => [
      bin,
      "--stdio",
      commandLine(spec).join(" "),
      "--outputTransport",
      out,
      ...(out === "streamableHttp" ? ["--stateful"] : []),
      "--port",
      String(port),
      "--logLevel",
      "none",
    ];
    const first = firstName(backends);
    const onSse = perBackend(backends, argv("sse"));
    const onHttp = perBackend({ [first]: backends[first] as BackendSpec }, argv("streamableHttp"));
    const counted = processes(onSse.pids);
    const other = processes(onHttp.pids);
    const url = (ports: Map<string, number>, name: string, path: string): string =>
      `http://127.0.0.1:${ports.get(name)}${path}`;
    return {
      ...counted,
      stop: async () => {
        await Promise.all([counted.stop(), other.stop()]);
      },
      endpoints: [
        endpoint(
          "supergateway (stateful)",
          "http",
          "backend",
          "get-sum",
          http(url(onHttp.ports, first, "/mcp")),
        ),
        endpoint("supergateway", "sse", "backend", "get-sum", sse(url(onSse.ports, first, "/sse"))),
      ],
      warm: Object.keys(backends).map((name) =>
        endpoint("supergateway", "sse", "backend", "", sse(url(onSse.ports, name, "/sse"))),
      ),
    };
  },
};

export const mcpProxy: Relay = {
  name: "mcp-proxy",
  bin: "mcp-proxy",
  start: async (backends) => {
    const bin = benchBin("mcp-proxy") as string;
    const h = perBackend(backends, (spec, port) => [
      bin,
      "--host",
      "127.0.0.1",
      "--port",
      String(port),
      "--",
      ...commandLine(spec),
    ]);
    const base = (name: string): string => `http://127.0.0.1:${h.ports.get(name)}`;
    const first = firstName(backends);
    return {
      ...processes(h.pids),
      endpoints: [
        endpoint("mcp-proxy", "http", "relay", "get-sum", http(`${base(first)}/mcp`)),
        endpoint("mcp-proxy", "sse", "relay", "get-sum", sse(`${base(first)}/sse`)),
      ],
      warm: Object.keys(backends).map((name) =>
        endpoint("mcp-proxy", "http", "relay", "", http(`${base(name)}/mcp`)),
      ),
    };
  },
};

/**
 * A scratch dir holding `file` (the backends as a Claude-style `mcpServers` JSON) and the HOME/XDG env that
 * keeps the peer out of the user's config, logs and caches.
 */
function mcpServersConfig(
  backends: Record<string, BackendSpec>,
  file: string,
  extra: Record<string, unknown> = {},
): { dir: string; config: string; env: Record<string, string> } {
  const servers: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(backends)) {
    const [command, ...args] = commandLine(spec);
    servers[name] = { command, args, env: spec.env ?? {}, ...extra };
  }
  const dir = scratch();
  const config = join(dir, file);
  writeFileSync(config, JSON.stringify({ mcpServers: servers }));
  const env = { HOME: dir, XDG_STATE_HOME: dir, XDG_CONFIG_HOME: dir, XDG_DATA_HOME: dir };
  return { dir, config, env };
}

/** mcp-hub serves every backend as one legacy-SSE MCP server at GET /mcp (names `<server>__<tool>`). */
export const mcpHub: Relay = {
  name: "mcp-hub",
  bin: "mcp-hub",
  start: async (backends) => {
    const { dir, config, env } = mcpServersConfig(backends, "mcp-hub.json");
    const port = freePort();
    const pid = spawn([benchBin("mcp-hub") as string, "--port", String(port), "--config", config], env, dir);
    const hub = endpoint(
      "mcp-hub",
      "sse",
      "relay",
      `${firstName(backends)}__get-sum`,
      sse(`http://127.0.0.1:${port}/mcp`),
    );
    return { ...processes([pid]), endpoints: [hub], warm: [hub] };
  },
};

/**
 * `mcporter serve` bridges the servers its daemon keeps alive: `/mcp` (all, `<server>__<tool>`),
 * `/mcp/<server>` (one, original names), or stdio. The daemon is a child of the first serve process.
 */
export const mcporter: Relay = {
  name: "mcporter",
  bin: "mcporter",
  start: async (backends) => {
    const { dir, config, env } = mcpServersConfig(backends, "mcporter.json", { lifecycle: "keep-alive" });
    const port = freePort();
    const bin = benchBin("mcporter") as string;
    const pid = spawn([bin, "serve", "--config", config, "--http", String(port)], env, dir);
    const first = firstName(backends);
    const stdioEnv = { ...(process.env as Record<string, string>), ...env };
    const stdio = () => connectStdio({ command: bin, args: ["serve", "--config", config], env: stdioEnv });
    const base = `http://127.0.0.1:${port}`;
    return {
      ...processes([pid]),
      endpoints: [
        endpoint("mcporter serve /mcp/{server}", "http", "relay", "get-sum", http(`${base}/mcp/${first}`)),
        endpoint("mcporter serve --stdio", "stdio", "relay", `${first}__get-sum`, stdio),
      ],
      warm: [endpoint("mcporter", "http", "relay", "", http(`${base}/mcp`))],
    };
  },
};

/** The backend itself on each transport: the floor every relay is compared with. */
export function directRelay(): Relay {
  return {
    name: "direct",
    start: async (backends) => {
      const [name, spec] = Object.entries(backends)[0] as [string, BackendSpec];
      const [httpPort, ssePort] = [freePort(), freePort()];
      const cmd = spec.command.split(/\s+/)[0] as string;
      const pids = [
        spawn([cmd, "streamableHttp"], { PORT: String(httpPort) }),
        spawn([cmd, "sse"], { PORT: String(ssePort) }),
      ];
      const relay = `${name} directly`;
      return {
        ...processes(pids),
        endpoints: [
          endpoint(relay, "http", "backend", "get-sum", http(`http://127.0.0.1:${httpPort}/mcp`)),
          endpoint(relay, "sse", "backend", "get-sum", sse(`http://127.0.0.1:${ssePort}/sse`)),
          endpoint(relay, "stdio", "backend", "get-sum", () => connectStdio(spec)),
        ],
        warm: [],
      };
    },
  };
}
