import { copyFileSync, existsSync } from "node:fs";
import { maskCredentials, REFERENCE } from "../arg-credentials.ts";
import { REDACTED } from "../redact.ts";

/** Copies `file` to `file.<UTC timestamp>.bak` before we change it; returns the backup path. */
export function backupFile(file: string, now: () => Date = () => new Date()): string | undefined {
  if (!existsSync(file)) return undefined;
  const stamp = now().toISOString().replace(/[-:]/g, "").replace(/\..*$/, "").replace("T", "-");
  let target = `${file}.${stamp}.bak`;
  for (let i = 1; existsSync(target); i++) target = `${file}.${stamp}-${i}.bak`;
  copyFileSync(file, target);
  return target;
}

/**
 * Masks every value of `env` and `headers` maps, and any credential left in `args`, `command` or
 * `http_url` (a DSN password, a `--token` value), for output that may be shared.
 */
export function maskSecrets(backend: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...backend };
  for (const key of ["env", "headers"]) {
    const map = backend[key];
    if (map && typeof map === "object") {
      out[key] = Object.fromEntries(
        Object.entries(map).map(([k, v]) => [k, REFERENCE.test(String(v)) ? v : REDACTED]),
      );
    }
  }
  if (Array.isArray(backend.args)) out.args = maskCredentials((backend.args as unknown[]).map(String));
  if (typeof backend.command === "string")
    out.command = maskCredentials(backend.command.split(" ")).join(" ");
  if (typeof backend.http_url === "string") out.http_url = maskCredentials([backend.http_url])[0];
  return out;
}
