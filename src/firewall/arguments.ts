import type { Tool } from "@modelcontextprotocol/sdk/types.js";

/** One suspicious argument value. */
export interface ArgumentFinding {
  /** `path.traversal`, `path.sensitive`, `shell.metacharacters`, `sql.stacked`, `sql.tautology`, `url.internal`. */
  rule: string;
  /** The argument's name (dotted for nested values). */
  argument: string;
}

const PATH_NAME =
  /(?:^|_|-|\b)(?:path|file|filename|filepath|dir|directory|folder|dest|destination|source|src|target)s?$/i;
const COMMAND_NAME = /(?:^|_|-)(?:command|cmd|shell|script|exec|args?)$/i;
const SQL_NAME = /(?:^|_|-)(?:sql|query|statement|stmt)$/i;
const URL_NAME = /(?:^|_|-)(?:url|uri|endpoint|href|link|webhook|host|callback)s?$/i;

const TRAVERSAL = /(?:^|[\\/])\.\.(?:[\\/]|$)|%2e%2e(?:%2f|%5c|\/|\\)/i;
const SENSITIVE_PATH =
  /(?:^|[\\/])(?:\.ssh|\.aws|\.gnupg|\.kube|\.docker)(?:[\\/]|$)|(?:^|[\\/])etc[\\/](?:passwd|shadow|sudoers)\b|\bid_(?:rsa|ed25519|ecdsa|dsa)\b|\.git-credentials|\.netrc$|(?:^|[\\/])proc[\\/]self[\\/]environ/i;
const SHELL_META = /[;&|`]|\$\(|\$\{|>\s*\/|<\(|\n/;
const SQL_STACKED =
  /;\s*(?:drop|delete|insert|update|alter|create|grant|revoke|truncate|exec|execute|attach|copy|shutdown)\b/i;
const SQL_TAUTOLOGY =
  /'\s*(?:or|and)\s+'?\d+'?\s*=\s*'?\d+|'\s*or\s+'[^']*'\s*=\s*'|\bunion\s+(?:all\s+)?select\b/i;

/** True when a host is loopback, private, link-local (cloud metadata), unique-local or unspecified. */
export function isInternalHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "localhost" || h.endsWith(".localhost") || h.endsWith(".internal") || h.endsWith(".local"))
    return true;
  if (h === "::1" || h === "::" || /^f[cd][0-9a-f]{2}:/.test(h) || /^fe[89ab][0-9a-f]:/.test(h)) return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h)?.[1];
  const v4 = ipv4(mapped ?? h);
  if (v4 === undefined) return false;
  const [a, b] = [v4 >>> 24, (v4 >>> 16) & 0xff];
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 100 && b >= 64 && b <= 127)
  );
}

/** An IPv4 address in any form `inet_aton` takes (dotted, decimal, octal, hex, short), as a number. */
function ipv4(host: string): number | undefined {
  const parts = host.split(".");
  if (parts.length > 4 || parts.some((p) => !/^(?:0x[0-9a-f]+|0[0-7]*|[1-9]\d*)$/i.test(p))) return undefined;
  const nums = parts.map((p) =>
    /^0x/i.test(p) ? Number.parseInt(p, 16) : /^0\d/.test(p) ? Number.parseInt(p, 8) : Number(p),
  );
  const last = nums.pop() ?? 0;
  let value = 0;
  nums.forEach((n, i) => {
    value += n * 256 ** (3 - i);
  });
  return value + last;
}

function internalUrl(value: string): boolean {
  const match = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(value.trim());
  if (!match) return false;
  const authority = match[1] ?? "";
  const host = authority.slice(authority.lastIndexOf("@") + 1).replace(/:\d*$/, "");
  return isInternalHost(host);
}

/**
 * Checks a call's string arguments by what their names (or the schema's `format`) say they are: paths
 * (traversal, key and credential files), commands (shell metacharacters), SQL (stacked statements,
 * tautologies, UNION SELECT) and URLs (loopback, private, link-local and metadata addresses).
 */
export function checkArguments(tool: Tool | undefined, args: Record<string, unknown>): ArgumentFinding[] {
  const findings: ArgumentFinding[] = [];
  const properties = (tool?.inputSchema.properties ?? {}) as Record<string, { format?: unknown }>;
  const walk = (value: unknown, name: string, leaf: string, depth: number): void => {
    if (depth > 16) return;
    if (Array.isArray(value)) {
      for (const item of value) walk(item, name, leaf, depth + 1);
      return;
    }
    if (value && typeof value === "object") {
      for (const [key, item] of Object.entries(value)) walk(item, `${name}.${key}`, key, depth + 1);
      return;
    }
    if (typeof value !== "string" || value === "") return;
    const format = properties[leaf]?.format;
    const add = (rule: string) => findings.push({ rule, argument: name });
    if (PATH_NAME.test(leaf)) {
      if (TRAVERSAL.test(value)) add("path.traversal");
      if (SENSITIVE_PATH.test(value)) add("path.sensitive");
    }
    if (COMMAND_NAME.test(leaf) && SHELL_META.test(value)) add("shell.metacharacters");
    if (SQL_NAME.test(leaf)) {
      if (SQL_STACKED.test(value)) add("sql.stacked");
      if (SQL_TAUTOLOGY.test(value)) add("sql.tautology");
    }
    const internal = /host$/i.test(leaf)
      ? isInternalHost(value.trim().replace(/:\d+$/, ""))
      : internalUrl(value);
    if ((URL_NAME.test(leaf) || format === "uri" || format === "url") && internal) add("url.internal");
  };
  for (const [key, value] of Object.entries(args)) walk(value, key, key, 0);
  return findings;
}
