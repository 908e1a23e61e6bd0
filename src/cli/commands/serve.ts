import { defineCommand } from "citty";
import { runGateway } from "../../server/run.ts";
import { serveArgs } from "../args.ts";
import { assertKnownFlags } from "../flags.ts";
import { showWarmUp } from "../warm-up-progress.ts";

/** `mcp-gateway serve`: parse flags and hand over to the gateway runner. */
export const serveCommand = defineCommand({
  meta: { name: "serve", description: "Start the gateway (the default command)" },
  args: serveArgs,
  run: async ({ args, rawArgs }) => {
    assertKnownFlags(rawArgs, serveArgs);
    await runGateway({
      config: args.config,
      port: args.port,
      host: args.host,
      logLevel: args["log-level"],
      logFormat: args["log-format"],
      metaMcp: args["meta-mcp"],
      stdio: args.stdio,
      allowUnauthenticated: args["allow-unauthenticated"],
      // On a terminal: "backends learned n/N" on stderr until the first start of every backend settles.
      onListening: (gateway) => void showWarmUp(gateway),
    });
  },
});
