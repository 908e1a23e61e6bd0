import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { REFERENCE, replaceInArgs, replaceInText } from "../arg-credentials.ts";
import { parseEnvText } from "../config/env-file.ts";

/** Env keys whose values are credentials by name. */
const SECRET_KEY =
  /TOKEN|SECRET|PASS|PWD|API_?KEY|ACCESS_?KEY|PRIVATE|CREDENTIAL|AUTH|COOKIE|SESSION|(^|_)PAT($|_)|(^|_)KEY$/i;
/** Values that are credentials by shape (GitHub, OpenAI/Anthropic, Slack, AWS, long opaque strings). */
const SECRET_VALUE = /^(ghp_|gho_|ghs_|github_pat_|glpat-|sk-|xox[abpr]-|AKIA)|^[A-Za-z0-9_\-+/=.]{32,}$/;
function variableName(...parts: string[]): string {
  const name = parts
    .join("_")
    .toUpperCase()
    .replace(/[^A-Z0-9_]+/g, "_")
    .replace(/^_+|_+$/g, "");
  return /^[0-9]/.test(name) ? `_${name}` : name;
}

/**
 * Collects the secrets of imported backends: each moves out of gateway.yaml into a `${VAR}` reference, its
 * value kept for the env file. Names are the env key itself when free, else prefixed with the server.
 */
export class SecretJar {
  readonly values: Record<string, string>;
  readonly #existing: Record<string, string>;

  constructor(existing: Record<string, string> = {}) {
    this.#existing = existing;
    this.values = {};
  }

  /** The reference for `value` under a name like `preferred` (reusing one that holds the same value). */
  #reference(value: string, preferred: string, server: string): string {
    const taken = (name: string): string | undefined => this.values[name] ?? this.#existing[name];
    let name = variableName(preferred);
    if (taken(name) !== undefined && taken(name) !== value) name = variableName(server, preferred);
    for (let i = 2; taken(name) !== undefined && taken(name) !== value; i++)
      name = variableName(server, preferred, String(i));
    if (this.#existing[name] !== value) this.values[name] = value;
    return `\${${name}}`;
  }

  /** A copy of the backend with its secret env values, header values and URL passwords replaced. */
  extract(server: string, backend: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = { ...backend };
    const env = backend.env as Record<string, string> | undefined;
    if (env) {
      out.env = Object.fromEntries(
        Object.entries(env).map(([key, value]) =>
          !REFERENCE.test(value) && value !== "" && (SECRET_KEY.test(key) || SECRET_VALUE.test(value))
            ? [key, this.#reference(value, key, server)]
            : [
                key,
                replaceInText(value, (secret, what) => this.#reference(secret, `${key}_${what}`, server)),
              ],
        ),
      );
    }
    const headers = backend.headers as Record<string, string> | undefined;
    if (headers) {
      out.headers = Object.fromEntries(
        Object.entries(headers).map(([key, value]) => {
          if (REFERENCE.test(value)) return [key, value];
          // Keep the scheme readable: `Bearer ${X}`.
          const scheme = /^(Bearer|Basic|Token)\s+(.+)$/i.exec(value);
          return scheme?.[1] && scheme[2]
            ? [key, `${scheme[1]} ${this.#reference(scheme[2], `${server}_${key}`, server)}`]
            : [key, this.#reference(value, `${server}_${key}`, server)];
        }),
      );
    }
    const reference = (secret: string, what: string): string =>
      this.#reference(secret, `${server}_${what}`, server);
    if (Array.isArray(backend.args)) out.args = replaceInArgs(backend.args as string[], reference);
    if (typeof backend.command === "string")
      out.command = replaceInArgs(backend.command.split(" "), reference).join(" ");
    if (typeof backend.http_url === "string") out.http_url = replaceInText(backend.http_url, reference);
    return out;
  }
}

function quote(value: string): string {
  return value.includes("'") ? `"${value}"` : `'${value}'`;
}

/** Reads an env file's values (none when it does not exist). */
export function readEnvValues(file: string): Record<string, string> {
  return existsSync(file) ? parseEnvText(readFileSync(file, "utf8")) : {};
}

/** Appends variables to an env file (created with mode 0600; an existing one is narrowed to 0600). */
export function appendEnvFile(file: string, values: Record<string, string>, comment: string): void {
  const before = existsSync(file) ? readFileSync(file, "utf8") : "";
  const lines = Object.entries(values).map(([k, v]) => `${k}=${quote(v)}`);
  const gap = before === "" || before.endsWith("\n") ? "" : "\n";
  writeFileSync(file, `${before}${gap}# ${comment}\n${lines.join("\n")}\n`, { mode: 0o600 });
  if (process.platform !== "win32") chmodSync(file, 0o600);
}
