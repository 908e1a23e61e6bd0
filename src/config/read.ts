import { closeSync, openSync, readSync } from "node:fs";
import { GatewayError } from "../errors.ts";

/**
 * Largest config file read. A real one is a few KiB; the cap turns a wrong path such as `/dev/zero` or a
 * multi-GiB log into an error instead of a read without end.
 */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/**
 * Reads a config file as UTF-8, at most `limit` bytes; the file size is never trusted (devices and pipes
 * report 0). Free of yaml and zod, so the file watcher can use it without loading them.
 * @throws GatewayError CONFIG_NOT_FOUND when the file cannot be read, CONFIG_INVALID when it is too large
 */
export function readConfigText(path: string, options: { limit?: number } = {}): string {
  const limit = options.limit ?? MAX_CONFIG_BYTES;
  const buffer = new Uint8Array(limit + 1);
  let length = 0;
  try {
    const fd = openSync(path, "r");
    try {
      while (length <= limit) {
        const n = readSync(fd, buffer, length, buffer.length - length, null);
        if (n === 0) break;
        length += n;
      }
    } finally {
      closeSync(fd);
    }
  } catch (cause) {
    throw new GatewayError("CONFIG_NOT_FOUND", `cannot read config ${path}: ${(cause as Error).message}`, {
      cause,
    });
  }
  if (length > limit) {
    throw new GatewayError(
      "CONFIG_INVALID",
      `config ${path} is larger than ${formatBytes(limit)}, the most a config file may hold (is it the right file?)`,
    );
  }
  return new TextDecoder().decode(buffer.subarray(0, length));
}

function formatBytes(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} bytes`;
}
