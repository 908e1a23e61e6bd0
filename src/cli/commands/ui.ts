import { defineCommand } from "citty";
import { resolveSettings } from "../../config/resolve.ts";
import { GatewayError } from "../../errors.ts";
import { assertKnownFlags } from "../flags.ts";
import { writeErrorLine, writeOutput } from "../output.ts";

const uiArgs = {
  url: { type: "string", description: "Address of a running gateway (default: the config's host and port)" },
  config: { type: "string", alias: "c", description: "Config file whose address to open" },
  print: { type: "boolean", description: "Print the dashboard URL without opening a browser" },
} as const;

/** The dashboard URL of the gateway at `url`, or of the config's `server` address. */
export function dashboardUrl(flags: { url?: string | undefined; config?: string | undefined }): URL {
  if (flags.url) return new URL("/ui", flags.url);
  const { host, port, tls } = resolveSettings({ config: flags.config }).config.server;
  // A wildcard bind is reached on loopback; an IPv6 literal needs brackets.
  const reach = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  return new URL(`${tls ? "https" : "http"}://${reach}:${port}/ui`);
}

/** The command that opens a URL in the desktop's browser (`$BROWSER` first). */
function opener(url: string): string[] {
  if (process.env.BROWSER) return [process.env.BROWSER, url];
  if (process.platform === "darwin") return ["open", url];
  if (process.platform === "win32") return ["cmd", "/c", "start", "", url];
  return ["xdg-open", url];
}

/** `mcp-gateway ui`: checks a gateway answers, prints its dashboard URL and opens it. */
export const uiCommand = defineCommand({
  meta: { name: "ui", description: "Open the web dashboard of the running gateway" },
  args: uiArgs,
  run: async ({ args, rawArgs }) => {
    assertKnownFlags(rawArgs, uiArgs);
    const url = dashboardUrl(args);
    const answer = await fetch(new URL("/health", url), { signal: AbortSignal.timeout(3000) }).catch(
      () => undefined,
    );
    await answer?.body?.cancel();
    if (!answer) {
      throw new GatewayError(
        "BACKEND_UNAVAILABLE",
        `no gateway answers at ${url.origin} (start one with: mcp-gateway serve, or pass --url)`,
      );
    }
    writeOutput(`${url.href}\n`);
    if (args.print) return;
    try {
      const child = Bun.spawn(opener(url.href), { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
      if ((await child.exited) !== 0) writeErrorLine(`could not open a browser; open ${url.href} yourself`);
    } catch {
      writeErrorLine(`could not open a browser; open ${url.href} yourself`);
    }
  },
});
