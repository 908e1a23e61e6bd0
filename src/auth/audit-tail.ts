import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs";

/** The last `n` lines of a file (read backwards in blocks, so a large log costs only its tail). */
export function lastLines(path: string, n: number): string[] {
  if (n <= 0 || !existsSync(path)) return [];
  const fd = openSync(path, "r");
  try {
    const size = statSync(path).size;
    const block = 64 * 1024;
    let position = size;
    let text = "";
    while (position > 0 && text.split("\n").length <= n + 1) {
      const length = Math.min(block, position);
      position -= length;
      const buffer = Buffer.alloc(length);
      readSync(fd, buffer, 0, length, position);
      text = buffer.toString("utf8") + text;
    }
    const lines = text.split("\n").filter((line) => line !== "");
    return lines.slice(-n);
  } finally {
    closeSync(fd);
  }
}

/** Options of {@link followLines}. */
export interface FollowOptions {
  /** How often the file is looked at, ms. @default 250 */
  intervalMs?: number;
  /** Stops following. */
  signal?: AbortSignal;
}

/**
 * Calls `onLine` for each line appended to `path` from now on, across rotations (a file that shrank or was
 * replaced is read again from its start), until `signal` aborts.
 */
export async function followLines(
  path: string,
  onLine: (line: string) => void,
  options: FollowOptions = {},
): Promise<void> {
  const interval = options.intervalMs ?? 250;
  let identity = existsSync(path) ? statSync(path) : undefined;
  let offset = identity?.size ?? 0;
  let partial = "";
  while (!options.signal?.aborted) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, interval);
      options.signal?.addEventListener("abort", () => {
        clearTimeout(timer);
        resolve();
      });
    });
    if (!existsSync(path)) continue;
    const now = statSync(path);
    if (!identity || now.ino !== identity.ino || now.size < offset) {
      offset = 0;
      partial = "";
    }
    identity = now;
    if (now.size === offset) continue;
    const fd = openSync(path, "r");
    try {
      const buffer = Buffer.alloc(now.size - offset);
      readSync(fd, buffer, 0, buffer.length, offset);
      offset = now.size;
      const lines = (partial + buffer.toString("utf8")).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) if (line !== "") onLine(line);
    } finally {
      closeSync(fd);
    }
  }
}
