import { resolve } from "node:path";
import { locateConfig } from "../../config/paths.ts";
import { CLIENTS } from "../../setup/clients.ts";
import { importIntoConfig } from "../../setup/import.ts";
import type { ImportedServer } from "../../setup/read-client.ts";
import { writeErrorLine, writeOutput } from "../output.ts";

/** The gateway.yaml an import adds to: `--config`, else the one found, else ./gateway.yaml. */
export function importTarget(flag: string | undefined): string {
  return locateConfig({ flag }).path ?? resolve("gateway.yaml");
}

/** Merges servers into gateway.yaml (or, with dryRun, prints the result masked) and says what happened. */
export function writeImport(servers: ImportedServer[], options: { target: string; dryRun: boolean }): void {
  const { target, dryRun } = options;
  const plan = importIntoConfig(servers, { file: target, dryRun });
  if (dryRun) writeOutput(plan.maskedText);
  const lines = plan.added.map(({ name, from }) => {
    const notes = from.notes.length > 0 ? ` — ${from.notes.join("; ")}` : "";
    const where = from.client === "local" ? "running at" : `${CLIENTS[from.client].label}:`;
    return `  + ${name}  (${where} ${from.file})${notes}`;
  });
  for (const name of plan.unchanged) lines.push(`  = ${name}  (already in ${target})`);
  const summary = [
    `${dryRun ? "would add" : "added"} ${plan.added.length} server${plan.added.length === 1 ? "" : "s"} to ${target}`,
    ...lines,
  ];
  const secrets = Object.keys(plan.secrets);
  if (secrets.length > 0)
    summary.push(
      `${dryRun ? "would move" : "moved"} ${secrets.length} secret${secrets.length === 1 ? "" : "s"} to ${plan.envFile} (mode 0600, read by the gateway): ${secrets.map((v) => `\${${v}}`).join(", ")}`,
    );
  if (plan.backup) summary.push(`backup of the previous file: ${plan.backup}`);
  if (!dryRun && plan.added.length > 0) summary.push(`next: mcp-gateway doctor --config ${target}`);
  const text = `${summary.join("\n")}\n`;
  if (dryRun) writeErrorLine(text.trimEnd());
  else writeOutput(text);
}
