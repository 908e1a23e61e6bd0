import type { ConsolaInstance, ConsolaReporter, LogObject } from "consola";
// consola's core: its main entry loads node:tty and the fancy reporter, about 40 ms of CPU at every start
// (farm-bench, `import "consola"` against `import "consola/core"`); only a terminal needs that reporter.
import { createConsola } from "consola/core";
import { CredentialScanner } from "./firewall/credentials.ts";

/** Log verbosity accepted by `--log-level`. */
export type LogLevelName = "debug" | "info" | "warn" | "error";
/** Log line format accepted by `--log-format`. */
export type LogFormat = "text" | "json";

const LEVELS: Record<LogLevelName, number> = { error: 0, warn: 1, info: 3, debug: 4 };

function jsonReporter(write: (line: string) => void): ConsolaReporter {
  return {
    log(entry: LogObject) {
      const [first, ...rest] = entry.args;
      const fields =
        rest.length === 1 && typeof rest[0] === "object" && rest[0] !== null ? rest[0] : undefined;
      const line: Record<string, unknown> = {
        time: entry.date.toISOString(),
        level: entry.type,
        ...(entry.tag ? { tag: entry.tag } : {}),
        msg:
          typeof first === "string" ? first : first instanceof Error ? first.message : JSON.stringify(first),
        ...(first instanceof Error && first.stack ? { stack: first.stack } : {}),
        ...(fields ?? (rest.length > 0 ? { args: rest } : {})),
      };
      write(`${JSON.stringify(line)}\n`);
    },
  };
}

let util: typeof import("node:util") | undefined;
/** node:util, loaded at the first text line: its import is ~7 ms of start-up a quiet server never needs. */
function nodeUtil(): typeof import("node:util") {
  util ??= process.getBuiltinModule("node:util");
  return util;
}

const LEVEL_WORDS = ["ERROR", "WARN ", "INFO ", "INFO ", "DEBUG", "TRACE"];

/**
 * Text lines off a terminal (a file, a pipe, journald): each starts with its ISO time, level and tag.
 * consola's fancy reporter shows the time only beside a terminal's width, so a log file had none. A
 * message with several lines (a stack) repeats the prefix, so every line of the file carries its time.
 */
function timestampedText(write: (line: string) => void): ConsolaReporter {
  return {
    log(entry: LogObject) {
      const word = LEVEL_WORDS[Math.max(0, Math.min(entry.level, 5))] ?? "INFO ";
      const prefix = `${entry.date.toISOString()} ${word}${entry.tag ? ` [${entry.tag}]` : ""} `;
      const text = nodeUtil().formatWithOptions(
        { colors: false, breakLength: Number.POSITIVE_INFINITY },
        ...entry.args,
      );
      write(
        `${text
          .split("\n")
          .map((line) => prefix + line)
          .join("\n")}\n`,
      );
    },
  };
}

/**
 * A terminal's lines in consola's own fancy format. Its module loads on the first line (a server off a
 * terminal never pays for it); lines logged meanwhile wait in order, and any still waiting when the
 * process exits are written as plain text so that none is lost.
 */
function terminalReporter(write: (line: string) => void): ConsolaReporter {
  let fancy: ConsolaReporter | undefined;
  let waiting: [LogObject, Parameters<ConsolaReporter["log"]>[1]][] | undefined;
  const plain = timestampedText(write);
  const flushPlain = (): void => {
    for (const [entry, context] of waiting ?? []) plain.log(entry, context);
    waiting = [];
  };
  return {
    log(entry, context) {
      // The fancy reporter writes where the logging instance's options say: stderr, in colour.
      context.options.stdout = process.stderr;
      context.options.stderr = process.stderr;
      context.options.formatOptions = { ...context.options.formatOptions, colors: true };
      if (fancy) return fancy.log(entry, context);
      if (waiting) return void waiting.push([entry, context]);
      waiting = [[entry, context]];
      process.once("exit", flushPlain);
      void import("consola").then(
        ({ createConsola: withFancy }) => {
          fancy = withFancy({ stdout: process.stderr, stderr: process.stderr }).options.reporters[0] ?? plain;
          process.off("exit", flushPlain);
          for (const [e, c] of waiting ?? []) fancy.log(e, c);
          waiting = undefined;
        },
        () => {
          fancy = plain;
          flushPlain();
        },
      );
    },
  };
}

function plainFields(value: unknown): value is Record<string, string | number | boolean> {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Error) &&
    Object.values(value).every((v) => ["string", "number", "boolean"].includes(typeof v))
  );
}

/**
 * Text lines keep a trailing fields object on the same line as `key=value` pairs (consola would print it
 * as a multi-line inspected object: six lines per call, and slow). The message already says what
 * happened; fields the message repeats are left out.
 */
function inlineFields(reporter: ConsolaReporter): ConsolaReporter {
  return {
    log(entry, context) {
      const [first, fields, ...rest] = entry.args;
      if (rest.length === 0 && typeof first === "string" && plainFields(fields)) {
        const extra = Object.entries(fields)
          .filter(([, v]) => !first.includes(String(v)))
          .map(([k, v]) => `${k}=${v}`)
          .join(" ");
        entry.args = [extra ? `${first} ${extra}` : first];
      }
      reporter.log(entry, context);
    },
  };
}

/** Redacts a text; the gateway's configs add theirs (`redactLogsWith`), the built-in credential shapes always apply. */
type Redactor = { redact(text: string): { text: string } };
const builtinShapes = new CredentialScanner();
const redactors = new Set<() => Redactor>();

/**
 * Every log line from now on also passes this redactor (a running gateway's credential scanner: its
 * patterns and configured secret values); returns the function that stops it.
 */
export function redactLogsWith(source: () => Redactor): () => void {
  redactors.add(source);
  return () => redactors.delete(source);
}

function redactText(text: string): string {
  let out = text;
  for (const source of redactors) out = source().redact(out).text;
  return redactors.size === 0 ? builtinShapes.redact(out).text : out;
}

function redactArg(arg: unknown): unknown {
  if (typeof arg === "string") return redactText(arg);
  if (arg instanceof Error) {
    const copy = new Error(redactText(arg.message));
    copy.name = arg.name;
    if (arg.stack) copy.stack = redactText(arg.stack);
    return copy;
  }
  if (plainFields(arg))
    return Object.fromEntries(
      Object.entries(arg).map(([k, v]) => [k, typeof v === "string" ? redactText(v) : v]),
    );
  return arg;
}

/** Credentials out of every line before it is written: a backend's stderr, error messages, fields. */
function redacting(reporter: ConsolaReporter): ConsolaReporter {
  return {
    log(entry, context) {
      entry.args = entry.args.map(redactArg);
      if (typeof entry.message === "string") entry.message = redactText(entry.message);
      reporter.log(entry, context);
    },
  };
}

/**
 * Text lines for wherever stderr goes, decided at the first line: consola's fancy format on a terminal,
 * timestamped lines anywhere else. Asking `process.stderr.isTTY` opens stderr's stream (node:stream and
 * the fs streams: ~30 ms of CPU in `bun src/main.ts`), which a quiet server never needs.
 */
function textReporter(write: (line: string) => void): ConsolaReporter {
  let chosen: ConsolaReporter | undefined;
  return {
    log(entry, context) {
      chosen ??= process.stderr.isTTY === true ? terminalReporter(write) : timestampedText(write);
      chosen.log(entry, context);
    },
  };
}

function make(level: LogLevelName, format: LogFormat): ConsolaInstance {
  // stdout belongs to MCP frames (stdio mode) and command output, never to logs.
  const write = (line: string): void => void process.stderr.write(line);
  const instance = createConsola({
    level: LEVELS[level],
    reporters: [format === "json" ? jsonReporter(write) : textReporter(write)],
    formatOptions: { date: true },
  });
  if (format === "text") instance.options.reporters = instance.options.reporters.map(inlineFields);
  instance.options.reporters = instance.options.reporters.map(redacting);
  return instance;
}

/** The gateway's one logger; everything goes to stderr. Call `withTag` at run time, after configureLog. */
export const log: ConsolaInstance = make("info", "text");

/** Reconfigures the shared logger in place (called by the CLI once flags and config are known). */
export function configureLog(options: { level: LogLevelName; format: LogFormat }): void {
  const next = make(options.level, options.format);
  log.options.reporters.splice(0, log.options.reporters.length, ...next.options.reporters);
  log.level = next.level;
}

/**
 * A logger that scrubs every string it is given (a backend's secrets) before the shared reporters see it;
 * reporters are looked up at each line, so a later `configureLog` still applies.
 */
export function scrubbedLog(base: ConsolaInstance, scrub: (text: string) => string): ConsolaInstance {
  return base.create({
    reporters: [
      {
        log(entry, context) {
          entry.args = entry.args.map((arg: unknown) => (typeof arg === "string" ? scrub(arg) : arg));
          if (typeof entry.message === "string") entry.message = scrub(entry.message);
          for (const reporter of base.options.reporters) reporter.log(entry, context);
        },
      },
    ],
  });
}
