import { type FSWatcher, readdirSync, readFileSync, statSync, watch } from "node:fs";
import { join } from "node:path";

/** One capability file's text and where it came from. */
export interface CapabilityFile {
  /** Path on disk, or `builtin:<category>/<file>` for the embedded set. */
  source: string;
  text: string;
}

/** True for the file names capability directories hold. */
export function isCapabilityFile(name: string): boolean {
  return /\.ya?ml$/i.test(name) && !name.startsWith(".");
}

/** Every `*.yaml`/`*.yml` under a directory (recursively, sorted); a missing directory yields none. */
export function listCapabilityFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (current: string): void => {
    let entries: string[];
    try {
      entries = readdirSync(current);
    } catch {
      return;
    }
    for (const entry of entries.sort()) {
      if (entry.startsWith(".") || entry === "node_modules") continue;
      const full = join(current, entry);
      let isDir = false;
      try {
        isDir = statSync(full).isDirectory();
      } catch {
        continue;
      }
      if (isDir) walk(full);
      else if (isCapabilityFile(entry)) out.push(full);
    }
  };
  walk(dir);
  return out;
}

/** Reads the capability files of a directory; unreadable files are reported, not thrown. */
export function readCapabilityDirectory(dir: string): { files: CapabilityFile[]; problems: string[] } {
  const files: CapabilityFile[] = [];
  const problems: string[] = [];
  for (const path of listCapabilityFiles(dir)) {
    try {
      files.push({ source: path, text: readFileSync(path, "utf8") });
    } catch (err) {
      problems.push(`${path}: cannot read: ${(err as Error).message}`);
    }
  }
  return { files, problems };
}

/**
 * Watches directories for capability file changes and calls `onChange` once per burst of events,
 * `debounceMs` after the last one. Returns a function that stops watching.
 */
export function watchDirectories(
  dirs: readonly string[],
  options: { debounceMs: number; onChange: () => void; onError?: (dir: string, err: unknown) => void },
): () => void {
  const watchers: FSWatcher[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const trigger = (file: string | null): void => {
    // Editors' swap and backup files do not count; anything else (files, new folders) may matter.
    if (file !== null && /(~|\.swp|\.swx|\.tmp)$|(^|\/)\.#/.test(file)) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      options.onChange();
    }, options.debounceMs);
  };
  for (const dir of dirs) {
    try {
      const watcher = watch(dir, { recursive: true }, (_event, file) =>
        trigger(file === null ? null : String(file)),
      );
      watcher.on("error", (err) => options.onError?.(dir, err));
      watchers.push(watcher);
    } catch (err) {
      options.onError?.(dir, err);
    }
  }
  return () => {
    if (timer) clearTimeout(timer);
    for (const watcher of watchers) watcher.close();
  };
}
