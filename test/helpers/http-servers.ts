import { join } from "node:path";
import type { Subprocess } from "bun";
import { BIN } from "./paths.ts";
import { waitFor } from "./process.ts";

/** A real MCP server listening over HTTP on a loopback port. */
export interface HttpServerProcess {
  proc: Subprocess;
  port: number;
  url: URL;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (bound once, then released). */
export function freePort(): number {
  const probe = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
  const port = probe.port as number;
  probe.stop(true);
  return port;
}

/** Resolves once something answers HTTP on 127.0.0.1:`port` (any status), within waitFor's deadline. */
export async function waitListening(port: number, what: string): Promise<void> {
  await waitFor(`${what} on ${port}`, async () => {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(500) });
      await res.body?.cancel();
      return true;
    } catch {
      return undefined;
    }
  });
}

/**
 * Starts server-everything in `streamableHttp` (/mcp) or `sse` (/sse) mode. It binds every interface,
 * so tests only ever talk to it on 127.0.0.1.
 */
export async function startEverythingHttp(
  mode: "streamableHttp" | "sse",
  port = freePort(),
): Promise<HttpServerProcess> {
  const proc = Bun.spawn([join(BIN, "mcp-server-everything"), mode], {
    env: { ...process.env, PORT: String(port) },
    stdout: "ignore",
    stderr: "ignore",
  });
  const url = new URL(mode === "sse" ? `http://127.0.0.1:${port}/sse` : `http://127.0.0.1:${port}/mcp`);
  await waitListening(port, `server-everything ${mode}`);
  return {
    proc,
    port,
    url,
    stop: async () => {
      proc.kill("SIGKILL");
      await proc.exited;
    },
  };
}
