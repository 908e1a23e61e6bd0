import {
  closeSync,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { dirname, join, resolve } from "node:path";
import { errorMessage } from "../errors.ts";
import type { AuditRecord } from "../gateway/hooks.ts";
import { log } from "../log.ts";
import { dataDir } from "../user-dirs.ts";

/** Where the audit log lives: `auth.audit.file` (relative to the config's folder), else the data dir. */
export function auditLogPath(configDir: string, file?: string | undefined): string {
  return file === undefined ? join(dataDir(), "audit.jsonl") : resolve(configDir, file);
}

/** One audit record as its JSON line: never argument values or results, only their size. */
export function auditLine(record: AuditRecord): string {
  return `${JSON.stringify({
    time: new Date(record.time).toISOString(),
    principal: record.principal,
    session: record.session,
    server: record.server,
    ...(record.kind === "tool" ? { tool: record.name } : { kind: record.kind, name: record.name }),
    outcome: record.outcome,
    duration_ms: Math.round(record.durationMs * 1000) / 1000,
    bytes: record.bytes,
  })}\n`;
}

/** Options of {@link AuditLog}. */
export interface AuditLogOptions {
  /** Rotate when the file would pass this many bytes. @default 10 MiB */
  maxSize?: number;
  /** Rotated files kept (`<file>.1` is the newest). @default 5 */
  keep?: number;
}

/**
 * An append-only JSON-lines file (mode 0600), written in batches a tick after the calls that fill them and
 * rotated by size: `audit.jsonl` → `audit.jsonl.1` → … → `audit.jsonl.<keep>`, the oldest dropped. Lines
 * still queued are written on process exit. A write failure is logged once per batch and never fails a call.
 */
export class AuditLog {
  readonly path: string;
  readonly #maxSize: number;
  readonly #keep: number;
  #fd: number | undefined;
  #size = 0;
  #queue: string[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #onExit = (): void => this.flush();

  constructor(path: string, options: AuditLogOptions = {}) {
    this.path = path;
    this.#maxSize = options.maxSize ?? 10 * 1024 * 1024;
    this.#keep = options.keep ?? 5;
    process.on("exit", this.#onExit);
  }

  /** Queues one record; it reaches the file within a tick. */
  write(record: AuditRecord): void {
    this.#queue.push(auditLine(record));
    this.#timer ??= setTimeout(() => this.flush(), 0);
  }

  /** Writes every queued line now. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#queue.length === 0) return;
    const lines = this.#queue;
    this.#queue = [];
    try {
      this.#open();
      let batch = "";
      let batchBytes = 0;
      for (const line of lines) {
        const size = Buffer.byteLength(line);
        const filled = this.#size + batchBytes;
        // A line never splits; one larger than max_size still gets a file of its own.
        if (filled > 0 && filled + size > this.#maxSize) {
          this.#append(batch);
          batch = "";
          batchBytes = 0;
          this.#rotate();
        }
        batch += line;
        batchBytes += size;
      }
      this.#append(batch);
    } catch (error) {
      log.error(`audit log ${this.path}: ${lines.length} line(s) not written: ${errorMessage(error)}`);
    }
  }

  /** Writes what is queued and closes the file. */
  close(): void {
    this.flush();
    process.off("exit", this.#onExit);
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }

  #open(): number {
    if (this.#fd === undefined) {
      mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
      this.#fd = openSync(this.path, "a", 0o600);
      this.#size = fstatSync(this.#fd).size;
    }
    return this.#fd;
  }

  #append(text: string): void {
    if (text === "") return;
    const buffer = Buffer.from(text);
    writeSync(this.#open(), buffer);
    this.#size += buffer.byteLength;
  }

  #rotate(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
    this.#size = 0;
    if (this.#keep === 0) {
      rmSync(this.path, { force: true });
      return;
    }
    rmSync(`${this.path}.${this.#keep}`, { force: true });
    for (let i = this.#keep - 1; i >= 1; i--) {
      if (existsSync(`${this.path}.${i}`)) renameSync(`${this.path}.${i}`, `${this.path}.${i + 1}`);
    }
    if (existsSync(this.path)) renameSync(this.path, `${this.path}.1`);
  }
}
