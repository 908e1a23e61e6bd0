import { describeScan, discoverServers } from "../../setup/discover.ts";
import { parsePorts } from "../../setup/discover-ports.ts";
import { discoveredBackends } from "../../setup/discovered.ts";
import { confirm } from "../confirm.ts";
import { writeErrorLine, writeOutput } from "../output.ts";
import { importTarget, writeImport } from "./import-write.ts";

/**
 * `import --discover`: scan loopback ports for running MCP servers, print what answered, then add them to
 * gateway.yaml after a yes on the terminal (or with --yes; --dry-run shows the result and writes nothing).
 */
export async function importDiscovered(options: {
  config: string | undefined;
  ports: string | undefined;
  yes: boolean;
  dryRun: boolean;
}): Promise<void> {
  const ports = options.ports ? parsePorts(options.ports) : undefined;
  const started = performance.now();
  const report = await discoverServers(ports ? { ports } : {});
  const scan = describeScan(report, performance.now() - started);
  const target = importTarget(options.config);
  const offer = discoveredBackends(report.found, target);
  const lines = report.found.map((s) => {
    const tools = s.tools === undefined ? "" : `, ${s.tools} tools`;
    const kind = s.transport === "sse" ? "SSE" : "Streamable HTTP";
    return `  ${s.url}  ${s.name} ${s.version} (${kind}${tools})`;
  });
  const count = `${report.found.length} MCP server${report.found.length === 1 ? "" : "s"}`;
  writeOutput(
    `found ${count} (${scan})${lines.length > 0 ? ":" : ""}\n${lines.map((l) => `${l}\n`).join("")}`,
  );
  for (const skip of offer.skipped) writeErrorLine(`skipped ${skip.url}: ${skip.reason}`);
  if (offer.servers.length === 0) return;
  if (!options.yes && !options.dryRun) {
    const answer = await confirm(`add ${offer.servers.length} to ${target}?`);
    if (answer === undefined) {
      writeErrorLine(
        "nothing written: stdin is not a terminal; add --yes to write them, or --dry-run to see the result",
      );
      return;
    }
    if (!answer) {
      writeErrorLine("nothing written");
      return;
    }
  }
  writeImport(offer.servers, { target, dryRun: options.dryRun });
}
