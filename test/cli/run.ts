import { BUN, ENTRY } from "../helpers/paths.ts";
import { childEnv } from "../helpers/process.ts";

/** What a CLI run printed and how it ended. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `mcp-gateway ARGS` (from source, or `command` e.g. a compiled binary) to completion. */
export async function runCli(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string; command?: string[]; stdin?: string } = {},
): Promise<CliRun> {
  const proc = Bun.spawn([...(options.command ?? [BUN, ENTRY]), ...args], {
    stdin: options.stdin === undefined ? "ignore" : new TextEncoder().encode(options.stdin),
    stdout: "pipe",
    stderr: "pipe",
    env: childEnv(options.env),
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr };
}

/** Calls server-everything's `echo` through a running gateway's meta-tools; returns the result's content. */
export async function echoThrough(gatewayUrl: URL, server: string, message: string): Promise<unknown> {
  const { connectHttp } = await import("../helpers/gateway.ts");
  const client = await connectHttp(new URL("/mcp", gatewayUrl));
  try {
    const result = await client.callTool({
      name: "gateway_invoke",
      arguments: { server, tool: "echo", arguments: { message } },
    });
    return result.content;
  } finally {
    await client.close();
  }
}
