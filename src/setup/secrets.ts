import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { parseEnvText } from "../config/env-file.ts";

/** Env keys whose values are credentials by name. */
const SECRET_KEY =
  /TOKEN|SECRET|PASS|PWD|API_?KEY|ACCESS_?KEY|PRIVATE|CREDENTIAL|AUTH|COOKIE|SESSION|(^|_)PAT($|_)|(^|_)KEY$/i;
/** Values that are credentials by shape (GitHub, OpenAI/Anthropic, Slack, AWS, long opaque strings). */
const SECRET_VALUE = /^(ghp_|gho_|ghs_|github_pat_|glpat-|sk-|xox[abpr]-|AKIA)|^[A-Za-z0-9_\-+/=.]{32,}$/;
const REFERENCE = /^\$\{[^}]+\}$/;
/**
 * `scheme://user:password@` anywhere in a string (`--dsn=postgres://u:p@h`, `redis://:p@h`); no `/` in the
 * password (RFC 3986 encodes it), so `http://host:8080/a@b` is a port and a path, not a password.
 */
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)([^@\s/]+)(@)/gi;
/** A credential in a URL's query: `?password=…`, `&token=…`, `&api_key=…`. */
const QUERY_SECRET =
  /([?&](?:password|passwd|pwd|pass|secret|client_secret|token|access_token|auth_token|api_?key|apikey|key)=)([^&#\s]+)/gi;
/** A command-line flag whose value is a credential: `--password X`, `--api-key=X`, `--github-token X`. */
const SECRET_FLAG =
  /^(--?(?:[a-z0-9]+[-_])*(password|passwd|pwd|secret|token|api[-_]?key|apikey|(?:access|secret|private|auth)[-_]?key|pat))(=(.*))?$/i;

/** Every credential in one argument (or `command` word), each replaced by what `replace` returns for it. */
function replaceInText(text: string, replace: (secret: string, what: string) => string): string {
  return text
    .replace(URL_PASSWORD, (whole, head: string, secret: string, at: string) =>
      secret.startsWith("${") ? whole : `${head}${replace(secret, "password")}${at}`,
    )
    .replace(QUERY_SECRET, (whole, head: string, secret: string) =>
      secret.startsWith("${") ? whole : `${head}${replace(secret, head.slice(1, -1))}`,
    );
}

/** The arguments with credentials replaced: inside each one, and the value after (or in) a secret-named flag. */
function replaceInArgs(args: readonly string[], replace: (secret: string, what: string) => string): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    const flag = SECRET_FLAG.exec(arg);
    const next = args[i + 1];
    if (flag?.[2] && flag[3] !== undefined && flag[4] && !REFERENCE.test(flag[4])) {
      out.push(`${flag[1]}=${replace(flag[4], flag[2])}`);
    } else if (flag?.[2] && flag[3] === undefined && next && !next.startsWith("-") && !REFERENCE.test(next)) {
      out.push(arg, replace(next, flag[2]));
      i++;
    } else out.push(replaceInText(arg, replace));
  }
  return out;
}

/** Arguments (or a command line's words) with every credential shown as `***`, for printing. */
export function maskCredentials(args: readonly string[]): string[] {
  return replaceInArgs(args, () => "***");
}

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
