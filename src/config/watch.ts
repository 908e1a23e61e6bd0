import { type FSWatcher, watch } from "node:fs";
import { basename, dirname } from "node:path";

/**
 * Calls `onChange` (debounced) whenever the file changes. Watches the folder rather than the file, so
 * editors that save by writing a new file and renaming it over the old one are seen too.
 */
export function watchFile(
  path: string,
  onChange: () => void,
  options: { debounceMs?: number } = {},
): () => void {
  const name = basename(path);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(path), (_event, file) => {
      if (file !== null && file !== name) return;
      clearTimeout(timer);
      timer = setTimeout(onChange, options.debounceMs ?? 250);
    });
  } catch {
    return () => undefined;
  }
  return () => {
    clearTimeout(timer);
    watcher?.close();
  };
}
