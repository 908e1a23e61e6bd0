import { describe, expect, test } from "bun:test";
import { createBackend } from "../../src/backends/create.ts";
import { BackendPool } from "../../src/backends/pool.ts";
import { parseConfig } from "../../src/config/load.ts";
import { log } from "../../src/log.ts";
import { serverCommand } from "../helpers/paths.ts";
import { waitFor } from "../helpers/process.ts";

describe("BackendPool warm-up", () => {
  test("a stop during warm-up starts no further backend (no process outlives the pool), and logs no error", async () => {
    // A shutdown that cuts a start short is no failure of the backend: no ERROR line for it.
    const errors: string[] = [];
    const capture = {
      log: (entry: { type: string; tag?: string; args: unknown[] }) => {
        // Only this pool's backends: other files' leftovers share the process logger.
        if (entry.type === "error" && ["first", "second", "third"].includes(entry.tag ?? ""))
          errors.push(`${entry.tag} ${entry.args.map(String).join(" ")}`);
      },
    };
    log.options.reporters.push(capture);
    const names = ["first", "second", "third"];
    const entries = names.map(
      (name) => `  ${name}:\n    command: '${serverCommand("everything", "stdio")}'\n    timeout: 10s\n`,
    );
    const { config } = parseConfig(`backends:\n${entries.join("")}`, { file: "t.yaml" });
    const backends = names.map((name) =>
      createBackend(name, config.backends[name]!, { defaultTimeoutMs: 10_000, log }),
    );
    const pool = new BackendPool(backends);
    const warm = pool.warmUp({ concurrency: 1, lazy: () => false });
    try {
      await waitFor("the first backend starting", () =>
        backends[0]?.snapshot().status === "starting" ? true : undefined,
      );
      await pool.stopAll();
      await warm;
      // The first one's start was cut short by the stop; the queue behind it was dropped, not started.
      expect(backends[0]?.snapshot().status).not.toBe("running");
      for (const backend of backends.slice(1)) {
        expect(backend.snapshot()).toMatchObject({ status: "stopped", pid: undefined, lastError: undefined });
      }
      expect(errors).toEqual([]);
    } finally {
      await warm;
      await pool.stopAll();
      log.options.reporters.splice(log.options.reporters.indexOf(capture), 1);
    }
  });
});
