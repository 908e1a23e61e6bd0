import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { isAbsolute, resolve } from "node:path";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { parseDocument } from "yaml";
import type { Backend } from "../backends/backend.ts";
import { splitCommandLine } from "../backends/command-line.ts";
import { createBackend } from "../backends/create.ts";
import { readEnvFile } from "../config/env-file.ts";
import { interpolate } from "../config/interpolate.ts";
import { loadConfigFile, unresolvedVariables } from "../config/load.ts";
import { locateConfig } from "../config/paths.ts";
import type { BackendConfig, GatewayConfig } from "../config/schema.ts";
import { errorMessage } from "../errors.ts";
import { exposedName } from "../gateway/tool-names.ts";
import { log } from "../log.ts";

/** Outcome of one check: `fail` makes doctor exit non-zero, `warn` does not. */
export type CheckStatus = "ok" | "warn" | "fail" | "skip";

/** One line of the doctor report. */
export interface CheckResult {
  /** What was checked: `config`, `env`, `port`, `backend`. */
  kind: "config" | "env" | "port" | "backend";
  /** The subject, e.g. the backend name or the variable. */
  subject: string;
  status: CheckStatus;
  message: string;
  /** Extra lines (each problem of an invalid config). */
  details?: string[];
  ms?: number;
  tools?: number;
  /** Estimated tokens each surfaced tool (`<server>__<tool>`) adds to every meta session's tools/list. */
  surfacedTokens?: Record<string, number>;
}

/**
 * Roughly the tokens a tool definition costs a model as sent: its JSON at about four characters a token
 * (against o200k on the reference servers' 24 tools it errs high, by 1–20%), so no tokenizer ships.
 */
export function estimateTokens(tool: Tool): number {
  return Math.ceil(JSON.stringify(tool).length / 4);
}

/** What the config checks found, for the checks after them. */
export interface ConfigFindings {
  results: CheckResult[];
  config: GatewayConfig | undefined;
  path: string | undefined;
  /** Environment to load with: the real one plus empty values for unset variables (reported already). */
  env: Record<string, string | undefined>;
}

/** Finds the config, reports `${VAR}` references that are unset, then validates it. */
export function checkConfig(options: {
  flag?: string | undefined;
  env?: Record<string, string | undefined>;
  cwd?: string;
}): ConfigFindings {
  const env = { ...(options.env ?? process.env) };
  const location = locateConfig({ flag: options.flag, env, ...(options.cwd ? { cwd: options.cwd } : {}) });
  const results: CheckResult[] = [];
  if (!location.path || !existsSync(location.path)) {
    const where = location.explicit ? location.searched[0] : `looked in ${location.searched.join(", ")}`;
    results.push({
      kind: "config",
      subject: location.path ?? "gateway.yaml",
      status: "fail",
      message: `no config file (${where}); create one with: mcp-gateway init`,
    });
    return { results, config: undefined, path: location.path, env };
  }
  const path = location.path;
  // The gateway reads the env file beside the config too (the real environment wins).
  for (const [key, value] of Object.entries(readEnvFile(path).values)) env[key] ??= value;
  let raw: unknown;
  try {
    raw = parseDocument(readFileSync(path, "utf8")).toJS();
  } catch {
    raw = undefined; // loadConfigFile below reports it with positions
  }
  const { missing } = interpolate(raw ?? {}, env);
  const byVariable = new Map<string, string[]>();
  for (const m of missing)
    byVariable.set(m.variable, [...(byVariable.get(m.variable) ?? []), m.path.join(".")]);
  for (const [variable, paths] of byVariable) {
    results.push({
      kind: "env",
      subject: variable,
      status: "fail",
      message: `\${${variable}} is not set (used by ${paths.join(", ")}); export it or write \${${variable}:-default}`,
    });
  }
  // A backend's own unset variables only keep that backend from starting; others would fail the load.
  for (const m of missing) if (m.path[0] !== "backends" || m.path.length < 3) env[m.variable] = "";
  try {
    const loaded = loadConfigFile(path, env);
    // Backends skipped for unset variables are reported by the env and backend lines.
    const warnings = loaded.warnings.filter((w) => !/^backend ".*" is not started: /.test(w));
    const count = Object.keys(loaded.config.backends).length;
    results.unshift({
      kind: "config",
      subject: path,
      status: warnings.length > 0 ? "warn" : "ok",
      message:
        `${path} is valid (${count} backend${count === 1 ? "" : "s"})` +
        (byVariable.size > 0
          ? ` apart from the unset variable${byVariable.size === 1 ? "" : "s"} below`
          : ""),
      ...(warnings.length > 0 ? { details: warnings } : {}),
    });
    return { results, config: loaded.config, path, env };
  } catch (err) {
    const [first = "", ...rest] = errorMessage(err).split("\n");
    results.unshift({
      kind: "config",
      subject: path,
      status: "fail",
      message: `${path}: ${first}`,
      details: rest.map((line) => line.trim()),
    });
    return { results, config: undefined, path, env };
  }
}

/** Is the configured address free to listen on? A running mcp-gateway there counts as fine. */
export async function checkPort(
  host: string,
  port: number,
  options: { fetch?: typeof fetch } = {},
): Promise<CheckResult> {
  const subject = `${host}:${port}`;
  if (port === 0)
    return { kind: "port", subject, status: "ok", message: "port 0: a free port is picked at start" };
  const error = await new Promise<NodeJS.ErrnoException | undefined>((done) => {
    const server = createServer();
    server.once("error", (err) => done(err));
    server.listen({ host, port, exclusive: true }, () => server.close(() => done(undefined)));
  });
  if (!error) return { kind: "port", subject, status: "ok", message: `${subject} is free` };
  if (error.code === "EADDRINUSE") {
    const running = await runningGatewayVersion(host, port, options.fetch ?? fetch);
    if (running) {
      return {
        kind: "port",
        subject,
        status: "ok",
        message: `${subject}: mcp-gateway ${running} is running there`,
      };
    }
    return {
      kind: "port",
      subject,
      status: "fail",
      message: `${subject} is in use by another program (pick another with --port or server.port)`,
    };
  }
  return { kind: "port", subject, status: "fail", message: `cannot listen on ${subject}: ${error.message}` };
}

async function runningGatewayVersion(
  host: string,
  port: number,
  fetchFn: typeof fetch,
): Promise<string | undefined> {
  const hostPart = host.includes(":") ? `[${host}]` : host;
  try {
    const response = await fetchFn(`http://${hostPart}:${port}/health`, {
      signal: AbortSignal.timeout(1000),
    });
    const body = (await response.json()) as { version?: unknown; backends?: unknown };
    return typeof body.version === "string" && typeof body.backends === "object" ? body.version : undefined;
  } catch {
    return undefined;
  }
}

/** For a stdio backend, a clearer error than a spawn failure when the program is not on PATH. */
function missingProgram(entry: BackendConfig): string | undefined {
  if (entry.command === undefined) return undefined;
  const program = splitCommandLine(entry.command)[0] ?? "";
  const cwd = entry.cwd ?? process.cwd();
  const found =
    program.includes("/") || program.includes("\\")
      ? existsSync(isAbsolute(program) ? program : resolve(cwd, program))
      : Bun.which(program, { PATH: entry.env.PATH ?? process.env.PATH ?? "" }) !== null;
  return found ? undefined : `command "${program}" not found${program.includes("/") ? "" : " on PATH"}`;
}

/** Starts one backend, lists its tools, stops it; reports the time taken or the error. */
export async function checkBackend(
  name: string,
  entry: BackendConfig,
  options: {
    defaultTimeoutMs: number;
    timeoutMs?: number;
    make?: (name: string, entry: BackendConfig) => Backend;
    /** This backend's tools named in `meta_mcp.surfaced`: their token cost is reported. @default [] */
    surfaced?: readonly string[];
  },
): Promise<CheckResult> {
  if (!entry.enabled) return { kind: "backend", subject: name, status: "skip", message: `${name}: disabled` };
  const unset = unresolvedVariables(entry);
  if (unset) {
    const list = unset.map((v) => `\${${v}}`).join(", ");
    return {
      kind: "backend",
      subject: name,
      status: "skip",
      message: `${name}: not started until ${list} is set`,
    };
  }
  const missing = missingProgram(entry);
  if (missing) return { kind: "backend", subject: name, status: "fail", message: `${name}: ${missing}` };
  const backend =
    options.make?.(name, entry) ??
    createBackend(name, entry, { defaultTimeoutMs: options.defaultTimeoutMs, log: log.withTag(name) });
  const limit = options.timeoutMs ?? entry.timeout ?? options.defaultTimeoutMs;
  const started = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      backend.start(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`did not start within ${limit} ms`)), limit);
      }),
    ]);
    const ms = Math.round(performance.now() - started);
    const tools = backend.tools.length;
    const surfaced = surfacedCosts(name, backend.tools, options.surfaced ?? []);
    return {
      kind: "backend",
      subject: name,
      status: tools === 0 || surfaced.missing ? "warn" : "ok",
      message: `${name}: ${tools} tool${tools === 1 ? "" : "s"} in ${ms} ms (${backend.transport})`,
      ...(surfaced.details.length > 0 ? { details: surfaced.details, surfacedTokens: surfaced.tokens } : {}),
      ms,
      tools,
    };
  } catch (err) {
    const ms = Math.round(performance.now() - started);
    return {
      kind: "backend",
      subject: name,
      status: "fail",
      message: `${name}: ${errorMessage(err)} (after ${ms} ms)`,
      ms,
    };
  } finally {
    clearTimeout(timer);
    await backend.stop().catch(() => undefined);
  }
}

function surfacedCosts(
  server: string,
  tools: readonly Tool[],
  surfaced: readonly string[],
): { details: string[]; tokens: Record<string, number>; missing: boolean } {
  const details: string[] = [];
  const tokens: Record<string, number> = {};
  let missing = false;
  for (const toolName of surfaced) {
    const name = exposedName(server, toolName);
    const tool = tools.find((t) => t.name === toolName);
    if (!tool) {
      missing = true;
      details.push(`surfaced ${name}: no such tool, left out of tools/list`);
      continue;
    }
    tokens[name] = estimateTokens({ ...tool, name });
    details.push(`surfaced ${name}: ~${tokens[name]} tokens in every meta session's tools/list`);
  }
  return { details, tokens, missing };
}
