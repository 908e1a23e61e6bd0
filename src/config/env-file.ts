import { existsSync, readFileSync, statSync } from "node:fs";

/** The env file that goes with a config: `gateway.yaml` → `gateway.env` in the same folder. */
export function envFileFor(configPath: string): string {
  return `${configPath.replace(/\.ya?ml$/i, "")}.env`;
}

/** Parses `KEY=value` lines (`#` comments, `export `, single or double quotes); other lines are ignored. */
export function parseEnvText(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!match?.[1] || match[2] === undefined) continue;
    const raw = match[2];
    const quoted = /^(["'])(.*)\1$/.exec(raw);
    values[match[1]] = quoted?.[2] !== undefined ? quoted[2] : raw.replace(/\s+#.*$/, "");
  }
  return values;
}

/**
 * Reads the env file beside a config, if there is one. A file others can read is still used, with a
 * warning, since it holds secrets.
 */
export function readEnvFile(configPath: string): { values: Record<string, string>; warnings: string[] } {
  const file = envFileFor(configPath);
  if (!existsSync(file)) return { values: {}, warnings: [] };
  const warnings: string[] = [];
  if (process.platform !== "win32" && (statSync(file).mode & 0o077) !== 0) {
    warnings.push(`${file} holds secrets but others can read it; run: chmod 600 ${file}`);
  }
  return { values: parseEnvText(readFileSync(file, "utf8")), warnings };
}
