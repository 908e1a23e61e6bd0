import { homedir } from "node:os";
import { posix } from "node:path";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { classifyAddress, parseAddress } from "./ip-ranges.ts";

/** One suspicious argument value. */
export interface ArgumentFinding {
  /** `path.traversal`, `path.sensitive`, `path.outside-root`, `shell.metacharacters`, `sql.stacked`, `sql.tautology`, `url.internal`. */
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
  const address = parseAddress(h);
  return address !== undefined && classifyAddress(address) !== undefined;
}

/**
 * True when a path argument leaves the root: absolute (or `~`, `file://`) outside it, or relative with `..`
 * climbing out of it. Symbolic links are not followed (the path may live on the backend's machine).
 */
export function outsideRoot(value: string, root: string): boolean {
  let v = value.trim();
  if (/^file:\/\//i.test(v)) {
    try {
      v = decodeURIComponent(new URL(v).pathname);
    } catch {
      return true;
    }
  } else if (/%(?:2e|2f|5c)/i.test(v)) {
    try {
      v = decodeURIComponent(v);
    } catch {
      // Not percent-encoding after all: judged as written.
    }
  }
  v = v.replaceAll("\\", "/");
  if (v === "~" || v.startsWith("~/")) v = `${homedir().replaceAll("\\", "/")}${v.slice(1)}`;
  else if (v.startsWith("~")) return true; // another user's home
  const base = root.replaceAll("\\", "/");
  const drive = /^[a-z]:\//i;
  if (drive.test(v) || drive.test(base)) {
    const norm = (p: string): string => posix.normalize(p).toLowerCase().replace(/\/+$/, "");
    const target = drive.test(v) ? norm(v) : norm(`${base}/${v}`);
    return target !== norm(base) && !target.startsWith(`${norm(base)}/`);
  }
  const rootPath = posix.resolve(base);
  const target = posix.resolve(rootPath, v);
  return target !== rootPath && !target.startsWith(rootPath === "/" ? "/" : `${rootPath}/`);
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
 * (traversal, key and credential files, leaving `options.root`), commands (shell metacharacters), SQL (stacked statements,
 * tautologies, UNION SELECT) and URLs (loopback, private, link-local and metadata addresses).
 */
export function checkArguments(
  tool: Tool | undefined,
  args: Record<string, unknown>,
  options: { root?: string | undefined } = {},
): ArgumentFinding[] {
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
      // With a root, where a path leads is judged exactly (outside-root); without one, any `..` is suspect.
      if (options.root === undefined && TRAVERSAL.test(value)) add("path.traversal");
      if (SENSITIVE_PATH.test(value)) add("path.sensitive");
      if (options.root !== undefined && outsideRoot(value, options.root)) add("path.outside-root");
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
