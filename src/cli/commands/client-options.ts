import type { ArgsDef } from "citty";
import { connectGateway, describeGateway, type GatewaySession } from "../../client/connect.ts";
import { configureLog } from "../../log.ts";
import { writeErrorLine } from "../output.ts";
import { startProgress } from "../progress.ts";

/** Flags shared by the commands that talk to a gateway (`servers`, `tools …`). */
export const clientArgs = {
  url: {
    type: "string",
    description:
      "MCP endpoint of a running gateway, used whatever it serves (default: the config's address, if the gateway there serves the config's backends)",
  },
  config: { type: "string", alias: "c", description: "Config file for finding or starting the gateway" },
  "ad-hoc": { type: "boolean", description: "Start a gateway from the config even if one is running" },
  json: { type: "boolean", description: "Machine-readable output" },
} as const satisfies ArgsDef;

/** Parsed values of {@link clientArgs}. */
export interface ClientFlags {
  url?: string | undefined;
  config?: string | undefined;
  "ad-hoc"?: boolean | undefined;
  json?: boolean | undefined;
}

/** Opens a session (progress on a terminal while an ad-hoc gateway warms up), runs `fn`, always closes. */
export async function withGateway<T>(
  flags: ClientFlags,
  fn: (session: GatewaySession) => Promise<T>,
): Promise<T> {
  configureLog({ level: "error", format: "text" });
  const progress = startProgress("connecting…", { enabled: flags.json !== true });
  let session: GatewaySession;
  try {
    session = await connectGateway({
      url: flags.url,
      config: flags.config,
      adHoc: flags["ad-hoc"] === true,
      onStarting: (n) => progress.update(`starting ${n} backend${n === 1 ? "" : "s"} from the config…`),
    });
  } catch (err) {
    progress.done();
    throw err;
  }
  progress.done();
  // Say which gateway answers (another project's could be listening on the same port).
  if (flags.json !== true) writeErrorLine(`gateway: ${describeGateway(session.identity)}`);
  try {
    return await fn(session);
  } finally {
    progress.done();
    await session.close();
  }
}
