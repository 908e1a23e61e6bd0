import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Subprocess } from "bun";
import { stringify } from "yaml";
import { benchTempDir } from "./bench-dirs.ts";
import { BUN, GATEWAY_ENTRY, ROOT } from "./paths.ts";

/** One backend as the gateway config spells it. */
export interface BackendSpec {
  command: string;
  args?: string[];
  env?: Record<string, string>;
  description?: string;
  /** Start at launch (false) or on first use once the tools are known (the gateway's default). */
  lazy?: boolean;
  /** Per-backend failsafe overrides, as in `backends.<name>.failsafe`. */
  failsafe?: Record<string, unknown>;
}

/**
 * Writes a gateway YAML config to a fresh temp dir and returns its path. The built-in REST capabilities are
 * off unless asked for, so the gateway serves exactly the benchmark's backends; tool pinning only warns.
 */
export function writeConfig(
  backends: Record<string, BackendSpec>,
  options: { capabilities?: boolean } = {},
): string {
  const dir = benchTempDir("config-");
  const file = join(dir, "gateway.yaml");
  writeFileSync(
    file,
    stringify({
      server: { request_timeout: "60s" },
      capabilities: { enabled: options.capabilities ?? false },
      // Benches serve different catalogs under one backend name (filesystem: the real server in one, a
      // LiveMCPBench fixture in another) and the gateways of one bench process share its temp cache dir
      // (bench-dirs.ts): under pinning: block the second would quarantine the first's tools. warn re-pins.
      firewall: { pinning: "warn" },
      backends,
    }),
  );
  return file;
}

/** Splits a command line on spaces (bench configs never need quoting). */
function split(command: string): string[] {
  return command.split(/\s+/).filter(Boolean);
}

/** An SDK client over stdio to a spawned server (stderr discarded). */
export async function connectStdio(spec: BackendSpec, name = "bench"): Promise<Client> {
  const [cmd, ...rest] = split(spec.command);
  const transport = new StdioClientTransport({
    command: cmd as string,
    args: [...rest, ...(spec.args ?? [])],
    env: { ...(process.env as Record<string, string>), ...(spec.env ?? {}) },
    stderr: "ignore",
    cwd: ROOT,
  });
  const client = new Client({ name, version: "1.0.0" });
  await client.connect(transport);
  return client;
}

/** The gateway on stdio (`serve --stdio`), as an SDK client. */
export function gatewayStdioSpec(configPath: string, binary?: string): BackendSpec {
  const command = binary ?? `${BUN} ${GATEWAY_ENTRY}`;
  return { command, args: ["serve", "--config", configPath, "--stdio", "--log-level", "error"] };
}

/** A free loopback TCP port (bound then released). */
export function freePort(): number {
  const probe = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
  const port = probe.port as number;
  probe.stop(true);
  return port;
}

/** A gateway process serving HTTP on loopback. */
export interface HttpGateway {
  url: URL;
  proc: Subprocess;
  stop(): Promise<void>;
}

/** Waits until `GET url` answers 200 (polling every `intervalMs`), or throws after `timeoutMs`. */
export async function waitForHttp(url: string, timeoutMs = 60_000, intervalMs = 5): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (performance.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
    await Bun.sleep(intervalMs);
  }
}

/**
 * Waits until /health shows `expected` backends that all know their tools (running, or idle with a known
 * tool list when the gateway starts backends lazily).
 */
export async function waitForBackends(base: URL, expected: number, timeoutMs = 120_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const res = await fetch(new URL("/health", base));
    const body = (await res.json()) as { backends: Record<string, { status: string; tools: number }> };
    const states = Object.values(body.backends);
    const ready = states.filter((b) => b.status === "running" || (b.status !== "starting" && b.tools > 0));
    const running = ready.length;
    if (running >= expected && running === states.length) return;
    if (states.some((b) => b.status === "error")) {
      throw new Error(`a backend failed to start: ${JSON.stringify(body).slice(0, 500)}`);
    }
    if (performance.now() > deadline) throw new Error(`only ${running}/${expected} backends running`);
    await Bun.sleep(20);
  }
}

/** Spawns `serve --config … --port …` (source on bun, or a compiled binary) and waits for /health. */
export async function startHttpGateway(
  configPath: string,
  options: { binary?: string; backends?: number } = {},
): Promise<HttpGateway> {
  const port = freePort();
  const cmd = options.binary ? [options.binary] : [BUN, GATEWAY_ENTRY];
  const proc = Bun.spawn(
    [...cmd, "serve", "--config", configPath, "--port", String(port), "--log-level", "error"],
    // process.env explicitly: Bun.spawn's default is the environment this process started with, without
    // the temp cache and data dirs bench-dirs.ts set.
    { cwd: ROOT, stdout: "ignore", stderr: "ignore", env: process.env },
  );
  const url = new URL(`http://127.0.0.1:${port}`);
  try {
    await waitForHttp(new URL("/health", url).href);
    if (options.backends !== undefined) await waitForBackends(url, options.backends);
  } catch (err) {
    // A gateway that never got ready must not outlive the benchmark that started it.
    proc.kill("SIGTERM");
    await proc.exited;
    throw err;
  }
  return {
    url,
    proc,
    stop: async () => {
      proc.kill("SIGTERM");
      await proc.exited;
    },
  };
}

/** An SDK client over Streamable HTTP. */
export async function connectHttp(url: URL, name = "bench"): Promise<Client> {
  const client = new Client({ name, version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(url));
  return client;
}
