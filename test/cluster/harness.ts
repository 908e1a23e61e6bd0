import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { tempDir } from "../helpers/gateway.ts";
import { type GatewayProcess, spawnGateway, waitFor } from "../helpers/process.ts";

/** The Debian programs these tests drive; a test file skips (saying why) when one is missing. */
export const REDIS_SERVER = Bun.which("redis-server");
export const HAPROXY = Bun.which("haproxy");
/** Why the cluster tests cannot run here, or undefined when they can. */
export const MISSING =
  REDIS_SERVER && HAPROXY
    ? undefined
    : `cluster tests skipped: ${[REDIS_SERVER ? "" : "redis-server", HAPROXY ? "" : "haproxy"].filter(Boolean).join(" and ")} not installed (apt-get install -y redis-server haproxy)`;
/** A shared session secret for the replicas (32+ characters). */
export const SECRET = "cluster-test-secret-0123456789abcdef";

/** A free TCP port on 127.0.0.1 (bound and released: good enough for child processes started at once). */
export function freePort(): number {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}

async function portAnswers(port: number): Promise<boolean> {
  try {
    const socket = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
    socket.end();
    return true;
  } catch {
    return false;
  }
}

/** A real redis-server on a loopback port, restartable on the same port. */
export class RedisServer {
  readonly port: number;
  #proc: Subprocess | undefined;

  constructor(port = freePort()) {
    this.port = port;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.#proc = Bun.spawn(
      [
        REDIS_SERVER ?? "redis-server",
        "--port",
        String(this.port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
      ],
      { stdout: "ignore", stderr: "ignore" },
    );
    await waitFor("redis-server to listen", () => portAnswers(this.port) || undefined, 10_000);
  }

  async stop(): Promise<void> {
    this.#proc?.kill("SIGKILL");
    await this.#proc?.exited;
    this.#proc = undefined;
  }
}

/** HAProxy balancing round-robin over the replicas, naming the one that answered in `x-replica`. */
export class Haproxy {
  readonly port = freePort();
  #proc: Subprocess<"ignore", "ignore", "pipe"> | undefined;

  get url(): URL {
    return new URL(`http://127.0.0.1:${this.port}`);
  }

  async start(dir: string, replicas: URL[]): Promise<void> {
    const servers = replicas
      .map((url, i) => `  server r${i + 1} 127.0.0.1:${url.port} check inter 300ms fall 3 rise 1`)
      .join("\n");
    const config = join(dir, "haproxy.cfg");
    writeFileSync(
      config,
      `global
  maxconn 512
defaults
  mode http
  timeout connect 2s
  timeout client 120s
  timeout server 120s
  timeout tunnel 120s
  retries 3
  option redispatch 1
  retry-on conn-failure empty-response
frontend gateway
  bind 127.0.0.1:${this.port}
  default_backend replicas
backend replicas
  balance roundrobin
  option httpchk
  http-check send meth GET uri /health ver HTTP/1.1 hdr Host 127.0.0.1
  http-response set-header x-replica %s
${servers}
`,
    );
    this.#proc = Bun.spawn([HAPROXY ?? "haproxy", "-db", "-f", config], {
      stdin: "ignore",
      stdout: "ignore",
      stderr: "pipe",
    });
    await waitFor("haproxy to listen", () => portAnswers(this.port) || undefined, 10_000);
    await this.untilServing(replicas.length);
  }

  /** Waits until HAProxy counts `count` replicas up (each has answered through it). */
  async untilServing(count: number): Promise<void> {
    const answered = new Set<string>();
    await waitFor(`${count} replicas to answer through haproxy`, async () => {
      const response = await fetch(new URL("/health", this.url)).catch(() => undefined);
      const replica = response?.ok ? response.headers.get("x-replica") : null;
      if (replica) answered.add(replica);
      return answered.size >= count || undefined;
    });
  }

  async stop(): Promise<void> {
    this.#proc?.kill("SIGKILL");
    await this.#proc?.exited;
  }
}

/** Starts `count` gateway processes on one config, each on its own port. */
export async function startReplicas(
  count: number,
  configPath: string,
  env: Record<string, string> = {},
): Promise<GatewayProcess[]> {
  return Promise.all(
    Array.from({ length: count }, () =>
      spawnGateway(["--config", configPath, "--log-level", "info"], {
        // Each replica its own data dir (usage, budgets.json), as pods have: only redis joins them.
        env: {
          MCP_GATEWAY_SESSION_SECRET: SECRET,
          MCP_GATEWAY_DATA_DIR: tempDir("mcp-gateway-data-"),
          ...env,
        },
      }),
    ),
  );
}

/** A replica's /health body (the whole of it needs an admin key when auth is on). */
export async function health(
  url: URL,
  key?: string,
): Promise<{
  cluster?: { redis: string; portableSessions: boolean };
  backends: Record<string, { circuit: string; status: string }>;
}> {
  const headers: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
  const response = await fetch(new URL("/health", url), { headers });
  return (await response.json()) as never;
}

/** Waits until every replica says Redis is up. */
export async function untilShared(replicas: GatewayProcess[], key?: string): Promise<void> {
  await waitFor("every replica to reach redis", async () => {
    const states = await Promise.all(replicas.map((r) => health(r.url, key).then((h) => h.cluster?.redis)));
    return states.every((s) => s === "up") || undefined;
  });
}

/** redis-server, gateway replicas on one config and HAProxy in front of them, started together. */
export interface TestCluster {
  redis: RedisServer;
  haproxy: Haproxy;
  replicas: GatewayProcess[];
  /** Stops HAProxy, the replicas and redis (whatever of them started). */
  stop(): Promise<void>;
}

/**
 * Starts redis, `count` replicas on the config `yaml` writes for redis's URL (in a fresh directory), waits
 * until each shares state through redis, then HAProxy round-robin over them.
 */
export async function startCluster(count: number, yaml: (redisUrl: string) => string): Promise<TestCluster> {
  const dir = tempDir("mcp-gateway-cluster-");
  const redis = new RedisServer();
  const haproxy = new Haproxy();
  let replicas: GatewayProcess[] = [];
  const stop = async (): Promise<void> => {
    await haproxy.stop();
    for (const replica of replicas) replica.proc.kill("SIGKILL");
    await Promise.all(replicas.map((r) => r.proc.exited));
    await redis.stop();
  };
  await redis.start();
  const config = join(dir, "gateway.yaml");
  writeFileSync(config, yaml(redis.url));
  replicas = await startReplicas(count, config);
  await untilShared(replicas);
  await haproxy.start(
    dir,
    replicas.map((r) => r.url),
  );
  return { redis, haproxy, replicas, stop };
}
