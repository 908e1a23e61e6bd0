import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { isMap, parseDocument, type YAMLMap } from "yaml";
import { envFileFor } from "../config/env-file.ts";
import { parseConfig } from "../config/load.ts";
import { backupFile, maskSecrets } from "./backup.ts";
import { initConfigText } from "./init.ts";
import type { ImportedServer } from "./read-client.ts";
import { appendEnvFile, readEnvValues, SecretJar } from "./secrets.ts";

/** What an import did (or, with dryRun, would do). */
export interface ImportPlan {
  added: { name: string; from: ImportedServer }[];
  /** Already in gateway.yaml with the same definition. */
  unchanged: string[];
  /** The resulting gateway.yaml text. */
  text: string;
  /** The same with env/header values masked, for printing. */
  maskedText: string;
  backup: string | undefined;
  /** Secrets moved out of gateway.yaml: variable → value, for the env file beside it. */
  secrets: Record<string, string>;
  /** That env file (mode 0600), read by the gateway with the config. */
  envFile: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

function backendName(raw: string): string {
  const cleaned = raw.replace(/[^A-Za-z0-9_.-]+/g, "-").replace(/^[^A-Za-z0-9]+/, "");
  return NAME.test(cleaned) ? cleaned : `server-${cleaned}`.slice(0, 64);
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Merges imported servers into a gateway.yaml (comments kept), renaming on clashes (`name-<client>`).
 * The result is validated with the gateway's own loader before anything is written.
 * @throws GatewayError CONFIG_INVALID when the existing file or the result does not validate
 */
export function planImport(
  servers: readonly ImportedServer[],
  options: { existing: string | undefined; file: string; existingEnv?: Record<string, string> },
): ImportPlan {
  const jar = new SecretJar(options.existingEnv);
  const doc = parseDocument(options.existing ?? initConfigText({ withExamples: false }));
  const masked = parseDocument(String(doc));
  if (!isMap(doc.get("backends"))) doc.set("backends", doc.createNode({}));
  if (!isMap(masked.get("backends"))) masked.set("backends", masked.createNode({}));
  const backends = doc.get("backends") as YAMLMap;
  const maskedBackends = masked.get("backends") as YAMLMap;
  backends.flow = false;
  maskedBackends.flow = false;
  const added: ImportPlan["added"] = [];
  const unchanged: string[] = [];
  for (const server of servers) {
    let name = backendName(server.name);
    const backend = jar.extract(name, server.backend);
    const current = (doc.toJS() as { backends?: Record<string, unknown> }).backends ?? {};
    if (name in current) {
      if (same(current[name], backend)) {
        unchanged.push(name);
        continue;
      }
      const alt = `${name}-${server.client}`;
      if (alt in current && same(current[alt], backend)) {
        unchanged.push(alt);
        continue;
      }
      name = alt;
      for (let i = 2; name in current; i++) name = `${alt}-${i}`;
    }
    backends.set(name, doc.createNode(backend));
    maskedBackends.set(name, masked.createNode(maskSecrets(backend)));
    added.push({ name, from: server });
  }
  const text = String(doc);
  // Placeholders count as set here: an unset ${VAR} is for doctor to report, not a reason to refuse.
  parseConfig(text, { file: options.file, env: new Proxy({}, { get: () => "x" }) });
  return {
    added,
    unchanged,
    text,
    maskedText: String(masked),
    backup: undefined,
    secrets: jar.values,
    envFile: envFileFor(options.file),
  };
}

/** Plans the import against the file on disk and, unless dryRun, backs it up and writes it. */
export function importIntoConfig(
  servers: readonly ImportedServer[],
  options: { file: string; dryRun: boolean; now?: () => Date },
): ImportPlan {
  const existing = existsSync(options.file) ? readFileSync(options.file, "utf8") : undefined;
  const existingEnv = readEnvValues(envFileFor(options.file));
  const plan = planImport(servers, { existing, file: options.file, existingEnv });
  if (options.dryRun || plan.added.length === 0) return plan;
  const backup = backupFile(options.file, options.now);
  // Secrets first: a gateway.yaml naming ${VARS} that no file holds would skip those backends.
  if (Object.keys(plan.secrets).length > 0)
    appendEnvFile(plan.envFile, plan.secrets, `added by mcp-gateway import, ${new Date().toISOString()}`);
  writeFileSync(options.file, plan.text);
  return { ...plan, backup };
}
