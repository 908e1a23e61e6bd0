import { type FSWatcher, statSync, watch } from "node:fs";
import { basename, dirname } from "node:path";
import { log } from "../log.ts";
import { readConfigText } from "./read.ts";

/** Options of `watchFile`. */
export interface WatchFileOptions {
  /** Quiet time after the last change; the file's size and mtime must also hold still across it. @default 250 */
  debounceMs?: number;
  /** Runs `run` after `ms` and returns a cancel function (a fake one lets tests move time by hand). @default setTimeout */
  schedule?: (run: () => void, ms: number) => () => void;
  /** Hears why a settled change was not handed on. @default a warning in the log */
  onSkip?: (reason: string) => void;
}

const realSchedule = (run: () => void, ms: number): (() => void) => {
  const timer = setTimeout(run, ms);
  return () => clearTimeout(timer);
};

/** Size, mtime and inode: what changes while a file is written, or replaced by a rename. */
function fingerprint(path: string): string | undefined {
  try {
    const stat = statSync(path);
    return `${stat.size}:${stat.mtimeMs}:${stat.ino}`;
  } catch {
    return undefined;
  }
}

/** True for a file with nothing but blank lines and comments: a save caught mid-write, never a config. */
export function isBlankConfig(path: string): boolean {
  try {
    const lines = readConfigText(path)
      .replace(/^\uFEFF/, "")
      .split("\n");
    return lines.every((line) => /^\s*(#.*)?$/.test(line));
  } catch {
    return false; // unreadable or too large: the loader says what is wrong
  }
}

/**
 * Calls `onChange` once the file has changed and then settled: no change event and the same size and
 * mtime for `debounceMs`. A settled file that is empty (or only comments) is never handed on, since
 * applying it would drop every backend; it is looked at again each `debounceMs` until it changes.
 * Watches the folder rather than the file, so editors that save by writing a new file and renaming it
 * over the old one are seen too.
 */
export function watchFile(path: string, onChange: () => void, options: WatchFileOptions = {}): () => void {
  const name = basename(path);
  const debounceMs = options.debounceMs ?? 250;
  const schedule = options.schedule ?? realSchedule;
  const onSkip =
    options.onSkip ??
    ((reason: string) =>
      log.warn(`config reload skipped: ${path} ${reason}; still serving the previous config`));
  let cancel: (() => void) | undefined;
  let seen: string | undefined;

  const arm = (): void => {
    cancel?.();
    seen = fingerprint(path);
    cancel = schedule(settle, debounceMs);
  };
  const settle = (): void => {
    cancel = undefined;
    // A write whose change event was lost or is still on its way shows up here as a new size or mtime.
    if (fingerprint(path) !== seen) {
      arm();
    } else if (seen !== undefined && isBlankConfig(path)) {
      onSkip("is empty (still being written?); write `backends: {}` to remove every backend");
      // The write that fills it must not be missed: Bun drops a change event that follows another closely.
      cancel = schedule(poll, debounceMs);
    } else {
      onChange();
    }
  };
  // While the file sits empty: look again each debounce until it changes, then settle as usual.
  const poll = (): void => {
    cancel = undefined;
    if (fingerprint(path) !== seen) arm();
    else cancel = schedule(poll, debounceMs);
  };

  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(path), (_event, file) => {
      if (file !== null && file !== name) return;
      arm();
    });
  } catch {
    return () => undefined;
  }
  return () => {
    cancel?.();
    watcher?.close();
  };
}
