import { defineCommand } from "citty";
import { callMetaTool } from "../../client/connect.ts";
import { oneLine, table } from "../../client/format.ts";
import { assertKnownFlags } from "../flags.ts";
import { writeOutput } from "../output.ts";
import { clientArgs, withGateway } from "./client-options.ts";

interface ServerRow {
  name: string;
  status: string;
  transport: string;
  tools: number;
  description?: string;
  error?: string;
}

/** `mcp-gateway servers`: the backends behind the gateway, with status and tool counts. */
export const serversCommand = defineCommand({
  meta: { name: "servers", description: "List the backends behind the gateway (running or from the config)" },
  args: clientArgs,
  run: async ({ args, rawArgs }) => {
    assertKnownFlags(rawArgs, clientArgs);
    const [answer, gateway] = await withGateway(
      args,
      async (s) => [await callMetaTool(s.client, "gateway_list_servers", {}), s.identity] as const,
    );
    if (args.json) {
      writeOutput(`${JSON.stringify({ gateway, ...answer }, null, 2)}\n`);
      return;
    }
    const servers = (answer.servers ?? []) as ServerRow[];
    if (servers.length === 0) {
      writeOutput("no backends configured (add some with: mcp-gateway import, or edit gateway.yaml)\n");
      return;
    }
    writeOutput(
      table(
        ["NAME", "STATUS", "TRANSPORT", "TOOLS", "DESCRIPTION"],
        servers.map((s) => [
          s.name,
          s.status,
          s.transport,
          String(s.tools),
          oneLine(s.error ? `error: ${s.error}` : (s.description ?? ""), 60),
        ]),
      ),
    );
  },
});
