import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { BIN, BUN, ENTRY } from "./paths.ts";

/** A gateway started as its own process, as users run it. */
export interface GatewayProcess {
  proc: Subprocess<"ignore" | "pipe", "pipe", "pipe">;
  /** Base URL, known once the gateway logged that it listens. */
  url: URL;
  stderr(): string;
}

/** Environment for child gateways: the devDependency servers on PATH, quiet logs unless asked. */
export function childEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...(process.env as Record<string, string>),
    PATH: `${BIN}:${process.env.PATH ?? ""}`,
    // A fresh manifest cache per child: remembered tools from other tests would make backends lazy.
    MCP_GATEWAY_CACHE_DIR: mkdtempSync(join(tmpdir(), "mcp-gateway-cache-")),
    ...extra,
  };
}

async function collect(
  stream: ReadableStream<Uint8Array>,
  sink: string[],
  onText: () => void,
): Promise<void> {
  const decoder = new TextDecoder();
  for await (const chunk of stream) {
    sink.push(decoder.decode(chunk, { stream: true }));
    onText();
  }
}

/** Runs `mcp-gateway serve` with the given args and waits (with a deadline) until it listens. */
export async function spawnGateway(
  args: string[],
  options: { env?: Record<string, string>; command?: string[]; deadlineMs?: number; cwd?: string } = {},
): Promise<GatewayProcess> {
  const command = options.command ?? [BUN, ENTRY];
  const proc = Bun.spawn([...command, "serve", "--port", "0", ...args], {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: childEnv(options.env),
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  const err: string[] = [];
  let resolveUrl: (url: URL) => void = () => undefined;
  const listening = new Promise<URL>((resolve) => {
    resolveUrl = resolve;
  });
  void collect(proc.stderr, err, () => {
    const match = /listening on (http:\/\/[^\s]+)\/mcp/.exec(err.join(""));
    if (match?.[1]) resolveUrl(new URL(match[1]));
  });
  const deadline = options.deadlineMs ?? 30_000;
  const url = await Promise.race([
    listening,
    proc.exited.then((code) => {
      throw new Error(`gateway exited with ${code} before listening:\n${err.join("")}`);
    }),
    new Promise<never>((_, reject) =>
      setTimeout(
        () => reject(new Error(`gateway did not listen within ${deadline}ms:\n${err.join("")}`)),
        deadline,
      ),
    ),
  ]);
  return { proc, url, stderr: () => err.join("") };
}

/** Polls a condition until it holds or the deadline passes (for events with no notification). */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  deadlineMs = 20_000,
): Promise<T> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(50);
  }
}

/** True while a process with this pid exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
