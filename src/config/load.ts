import { dirname, resolve } from "node:path";
import type { Document, LineCounter } from "yaml";
import type { z } from "zod";
import { GatewayError } from "../errors.ts";
import { didYouMean } from "../suggest.ts";
import { readEnvFile } from "./env-file.ts";
import { interpolate } from "./interpolate.ts";
import { plainYamlValue } from "./plain-yaml.ts";
import { readConfigText } from "./read.ts";
import { type BackendConfig, type GatewayConfig, GatewayConfigSchema } from "./schema.ts";
import { allowedKeys } from "./schema-keys.ts";
import { yamlLibrary } from "./yaml-library.ts";
import { locate } from "./yaml-position.ts";

/**
 * A config is parsed once per load: zod's compiled fast path for each object (built with `new Function` on
 * its first parse) costs far more to build than one parse saves, about half of the parse at start-up.
 */
const PARSED_ONCE = { jitless: true } as const;

/** The yaml library's document of a config text, with the line counter its positions need. */
type FullParse = { doc: Document.Parsed; counter: LineCounter };

/** A config as loaded: validated values plus what the user should hear about. */
export interface LoadedConfig {
  config: GatewayConfig;
  /** File it came from; undefined when none was found and defaults apply. */
  path: string | undefined;
  warnings: string[];
}

const UNRESOLVED = Symbol("unset variables");

/**
 * The unset `${VAR}`s a backend entry uses, when it has any: such a backend is validated with stand-in
 * values and never started (it shows in error state), so one missing token does not block the others.
 */
export function unresolvedVariables(entry: BackendConfig): readonly string[] | undefined {
  return (entry as { [UNRESOLVED]?: string[] })[UNRESOLVED];
}

/**
 * yaml's limit on alias expansion (its own default, named here; it weighs each alias by the aliases nested in
 * it): a "billion laughs" file of nested aliases would otherwise grow exponentially in memory.
 */
const MAX_ALIAS_COUNT = 100;

/** Top-level keys of the Python edition, still accepted (moved to their nested home with a warning). */
const LEGACY_KEYS: Record<string, [string, string]> = {
  port: ["server", "port"],
  host: ["server", "host"],
  enable_meta_mcp: ["meta_mcp", "enabled"],
};

function moveLegacyKeys(raw: Record<string, unknown>, warnings: string[]): void {
  for (const [legacy, [section, key]] of Object.entries(LEGACY_KEYS)) {
    if (!(legacy in raw)) continue;
    const target = (raw[section] ?? {}) as Record<string, unknown>;
    if (typeof target !== "object" || target === null) continue;
    if (!(key in target)) target[key] = raw[legacy];
    raw[section] = target;
    delete raw[legacy];
    warnings.push(`"${legacy}" at the top level is deprecated; write it as ${section}.${key}`);
  }
}

/** Offset of a quote that is never closed (outside comments), if any. */
function openQuote(text: string): number | undefined {
  let open: { char: string; at: number } | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (open) {
      if (open.char === '"' && c === "\\") i++;
      else if (c === open.char && open.char === "'" && text[i + 1] === "'") i++;
      else if (c === open.char) open = undefined;
    } else if (c === "#" && (i === 0 || /\s/.test(text[i - 1] ?? ""))) {
      while (i < text.length && text[i] !== "\n") i++;
    } else if ((c === '"' || c === "'") && (i === 0 || /[\s:,[{-]/.test(text[i - 1] ?? ""))) {
      open = { char: c, at: i };
    }
  }
  return open?.at;
}

/** The value of a text by the full parser, or its syntax errors (each at its line:col). */
function fullValue(text: string, file: string, { doc, counter }: FullParse): unknown {
  if (doc.errors.length > 0) {
    const lines = doc.errors.map((e) => {
      // yaml reports an unterminated quote where the file ends; the user needs the line it opened on.
      const opened =
        e.code === "MISSING_CHAR" && /closing .?quote/i.test(e.message) ? openQuote(text) : undefined;
      const pos = counter.linePos(opened ?? e.pos[0]);
      return `${file}:${pos.line}:${pos.col}: ${e.message.split("\n")[0]}`;
    });
    throw new GatewayError("CONFIG_INVALID", `invalid YAML\n  ${lines.join("\n  ")}`);
  }
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (cause) {
    // yaml throws a ReferenceError once aliases expand past the limit; nothing else is expected here.
    const message =
      cause instanceof ReferenceError
        ? `YAML aliases expand too far (over maxAliasCount ${MAX_ALIAS_COUNT}); write the repeated values out`
        : (cause as Error).message;
    throw new GatewayError("CONFIG_INVALID", `${file}: ${message}`, { cause });
  }
}

/**
 * Parses and validates config text. Every problem is reported at once, each naming its path and
 * `file:line:col`, with a did-you-mean for unknown keys.
 * @throws GatewayError CONFIG_INVALID
 */
export function parseConfig(
  text: string,
  options: { file: string; env?: Record<string, string | undefined> },
): { config: GatewayConfig; warnings: string[] } {
  // The full parser runs only when a message needs a position or the text is not plain (plain-yaml.ts).
  let full: FullParse | undefined;
  const parsedFully = (): FullParse => {
    if (!full) {
      const yaml = yamlLibrary();
      const counter = new yaml.LineCounter();
      full = { doc: yaml.parseDocument(text, { lineCounter: counter, prettyErrors: false }), counter };
    }
    return full;
  };
  const where = (path: readonly PropertyKey[], key?: string): string => {
    const { doc, counter } = parsedFully();
    const pos = locate(doc, counter, path, key);
    return pos ? `${options.file}:${pos.line}:${pos.col}` : options.file;
  };
  const warnings: string[] = [];
  let parsed = plainYamlValue(text)?.value;
  if (parsed === undefined) parsed = fullValue(text, options.file, parsedFully());
  parsed ??= {};
  if (typeof parsed !== "object" || Array.isArray(parsed) || parsed === null) {
    throw new GatewayError("CONFIG_INVALID", `${where([])}: the config must be a mapping of sections`);
  }
  moveLegacyKeys(parsed as Record<string, unknown>, warnings);

  const env = options.env ?? process.env;
  const interpolated = interpolate(parsed, env);
  const value = interpolated.value as Record<string, unknown>;
  // An unset variable inside one backend skips that backend; anywhere else it is an error.
  const unresolved = new Map<string, string[]>();
  const missing = interpolated.missing.filter((m) => {
    if (m.path[0] !== "backends" || m.path.length < 3) return true;
    const name = String(m.path[1]);
    unresolved.set(name, [...new Set([...(unresolved.get(name) ?? []), m.variable])]);
    return false;
  });
  if (unresolved.size > 0) {
    const standIns = Object.fromEntries([...unresolved.values()].flat().map((v) => [v, "unset"]));
    const filled = interpolate(parsed, { ...env, ...standIns }).value as {
      backends: Record<string, unknown>;
    };
    const backends = value.backends as Record<string, unknown>;
    for (const [name, variables] of unresolved) {
      backends[name] = filled.backends[name];
      const list = variables.map((v) => `\${${v}}`).join(", ");
      warnings.push(
        `backend "${name}" is not started: ${list} ${variables.length === 1 ? "is" : "are"} not set`,
      );
    }
  }
  const problems: string[] = missing.map(
    (m) =>
      `${where(m.path)}: ${m.path.join(".")} uses \${${m.variable}} but ${m.variable} is not set` +
      ` (set it, or write \${${m.variable}:-default})`,
  );
  const result = GatewayConfigSchema.safeParse(value, PARSED_ONCE);
  if (!result.success) problems.push(...result.error.issues.flatMap((issue) => describeIssue(issue, where)));
  if (problems.length > 0 || !result.success) {
    const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
    throw new GatewayError("CONFIG_INVALID", `invalid config (${count})\n  ${problems.join("\n  ")}`);
  }
  for (const [name, variables] of unresolved) {
    const entry = result.data.backends[name];
    if (entry) Object.defineProperty(entry, UNRESOLVED, { value: variables, enumerable: false });
  }
  return { config: result.data, warnings };
}

function describeIssue(
  issue: z.core.$ZodIssue,
  where: (path: readonly PropertyKey[], key?: string) => string,
): string[] {
  const dotted = (path: readonly PropertyKey[]): string => path.map(String).join(".") || "(top level)";
  if (issue.code === "unrecognized_keys") {
    const known = allowedKeys(issue.path);
    return issue.keys.map(
      (key) =>
        `${where(issue.path, key)}: unknown key "${key}" in ${dotted(issue.path)}${didYouMean(key, known)}` +
        (known.length > 0 && didYouMean(key, known) === "" ? ` (allowed: ${known.join(", ")})` : ""),
    );
  }
  return [`${where(issue.path)}: ${dotted(issue.path)}: ${issue.message}`];
}

/**
 * Reads (at most `MAX_CONFIG_BYTES`) and validates a config file.
 * @throws GatewayError CONFIG_NOT_FOUND when the file cannot be read, CONFIG_INVALID when it is wrong or too large
 */
export function loadConfigFile(path: string, env?: Record<string, string | undefined>): LoadedConfig {
  const text = readConfigText(path);
  // Variables from the env file beside the config (where `import` puts secrets); the real environment wins.
  const fromFile = readEnvFile(path);
  const merged = { ...fromFile.values, ...(env ?? process.env) };
  const parsed = parseConfig(text, { file: path, env: merged });
  parsed.warnings.push(...fromFile.warnings);
  return { ...parsed, config: resolvePaths(parsed.config, dirname(path)), path };
}

/**
 * Makes the config's own paths (backend `cwd`, capability directories, the manifest cache) relative to
 * the folder of the file that names them, so a config works the same from any working directory.
 */
export function resolvePaths(config: GatewayConfig, base: string): GatewayConfig {
  for (const backend of Object.values(config.backends)) {
    if (backend.cwd !== undefined) backend.cwd = resolve(base, backend.cwd);
  }
  config.capabilities.directories = config.capabilities.directories.map((d) => resolve(base, d));
  if (config.lifecycle.cache_dir !== undefined)
    config.lifecycle.cache_dir = resolve(base, config.lifecycle.cache_dir);
  return config;
}

/** The configuration used when no file exists: no backends, every default. */
export function defaultConfig(): GatewayConfig {
  return GatewayConfigSchema.parse({}, PARSED_ONCE);
}
