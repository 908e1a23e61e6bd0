import { join } from "node:path";
import type { Subprocess } from "bun";
import { BUN, ROOT } from "./paths.ts";

/** The SDK 2.x fixture that speaks only 2026-07-28 (`test/fixtures/modern-server.ts`). */
export const MODERN_FIXTURE = join(ROOT, "test/fixtures/modern-server.ts");
/** The 2026-07-28-only fixture that runs tools as tasks (SEP-2663, `test/fixtures/modern-task-server.ts`). */
export const MODERN_TASK_FIXTURE = join(ROOT, "test/fixtures/modern-task-server.ts");

/**
 * Starts a 2026-07-28-only fixture (the modern one unless another is named) over Streamable HTTP in its
 * own process; resolves with its URL.
 */
export async function startModernFixture(fixture = MODERN_FIXTURE): Promise<{ proc: Subprocess; url: URL }> {
  const proc = Bun.spawn([BUN, fixture, "--http"], { stdout: "pipe", stderr: "ignore" });
  const reader = proc.stdout.getReader();
  let seen = "";
  while (!/PORT (\d+)\n/.test(seen)) {
    const next = await reader.read();
    if (next.done) throw new Error(`modern fixture exited before listening: ${seen}`);
    seen += new TextDecoder().decode(next.value);
  }
  reader.releaseLock();
  return { proc, url: new URL(`http://127.0.0.1:${/PORT (\d+)/.exec(seen)?.[1]}/mcp`) };
}
