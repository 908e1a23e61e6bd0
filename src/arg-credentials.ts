import { REDACTED } from "./redact.ts";

// Credentials inside a backend's command line, args and URLs, found by shape: what `import`/`setup` move to
// the env file (src/setup/secrets.ts) and what every printout masks (setup's dry runs, `config export`, the
// dashboard's Config page). One file, so the writer and the printers can never disagree on what a secret is.

/** A `${VAR}` reference: already out of the file, left as it is. */
export const REFERENCE = /^\$\{[^}]+\}$/;
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
export function replaceInText(text: string, replace: (secret: string, what: string) => string): string {
  return text
    .replace(URL_PASSWORD, (whole, head: string, secret: string, at: string) =>
      secret.startsWith("${") ? whole : `${head}${replace(secret, "password")}${at}`,
    )
    .replace(QUERY_SECRET, (whole, head: string, secret: string) =>
      secret.startsWith("${") ? whole : `${head}${replace(secret, head.slice(1, -1))}`,
    );
}

/** The arguments with credentials replaced: inside each one, and the value after (or in) a secret-named flag. */
export function replaceInArgs(
  args: readonly string[],
  replace: (secret: string, what: string) => string,
): string[] {
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

/** Arguments (or a command line's words) with every credential shown as {@link REDACTED}, for printing. */
export function maskCredentials(args: readonly string[]): string[] {
  return replaceInArgs(args, () => REDACTED);
}
