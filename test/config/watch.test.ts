import { afterAll, describe, expect, test } from "bun:test";
import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { watchFile } from "../../src/config/watch.ts";
import { tempDir } from "../helpers/gateway.ts";
import { serverCommand } from "../helpers/paths.ts";
import { spawnGateway, waitFor } from "../helpers/process.ts";

const dir = tempDir("mcp-gateway-watch-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A hand-driven timer: real file events arm it, the test decides when the debounce has passed. */
function manualClock(): {
  schedule: (run: () => void, ms: number) => () => void;
  armed: () => Promise<void>;
  elapse: () => void;
} {
  let pending: (() => void) | undefined;
  let waiters: (() => void)[] = [];
  return {
    schedule: (run) => {
      pending = run;
      for (const wake of waiters) wake();
      waiters = [];
      return () => {
        if (pending === run) pending = undefined;
      };
    },
    armed: () => (pending ? Promise.resolve() : new Promise((resolve) => waiters.push(resolve))),
    elapse: () => {
      const run = pending;
      pending = undefined;
      run?.();
    },
  };
}

/** Lets the debounce pass until `done` holds; file events that arrive meanwhile re-arm the timer. */
async function elapseUntil(clock: ReturnType<typeof manualClock>, done: () => boolean): Promise<void> {
  const until = Date.now() + 10_000;
  while (!done()) {
    if (Date.now() > until) throw new Error("the watcher never settled");
    await clock.armed();
    clock.elapse();
  }
}

const FULL = "backends:\n  a: { command: x }\n";

/** A config file holding FULL, watched on a manual clock; what the watcher handed on or skipped is kept. */
function watched(name: string): {
  path: string;
  clock: ReturnType<typeof manualClock>;
  seen: string[];
  skipped: string[];
  stop: () => void;
} {
  const path = join(dir, name);
  writeFileSync(path, FULL);
  const clock = manualClock();
  const seen: string[] = [];
  const skipped: string[] = [];
  const onChange = (): void => {
    seen.push(existsSync(path) ? readFileSync(path, "utf8") : "(missing)");
  };
  const stop = watchFile(path, onChange, {
    schedule: clock.schedule,
    onSkip: (reason) => skipped.push(reason),
  });
  return { path, clock, seen, skipped, stop };
}

describe("watchFile", () => {
  test("an empty file is never handed on; the full file written after it is", async () => {
    const { path, clock, seen, skipped, stop } = watched("empty-then-full.yaml");
    try {
      writeFileSync(path, "");
      await elapseUntil(clock, () => skipped.length > 0);
      expect(seen).toEqual([]);
      expect(skipped[0]).toContain("is empty");

      writeFileSync(path, "# only a comment, as a half-written header would be\n");
      await elapseUntil(clock, () => skipped.length > 1);
      expect(seen).toEqual([]);

      writeFileSync(path, FULL);
      await elapseUntil(clock, () => seen.length > 0);
      expect(seen.every((text) => text === FULL)).toBe(true);
    } finally {
      stop();
    }
  });

  test("waits while the file keeps growing, even when the debounce passes between two writes", async () => {
    const { path, clock, seen, stop } = watched("growing.yaml");
    try {
      writeFileSync(path, "backends:\n");
      await clock.armed();
      // The second half lands before its change event is delivered: only size and mtime can tell.
      appendFileSync(path, "  b: { command: y }\n");
      clock.elapse();
      expect(seen).toEqual([]);
      await elapseUntil(clock, () => seen.length > 0);
      expect(seen).toEqual(["backends:\n  b: { command: y }\n"]);
    } finally {
      stop();
    }
  });

  test("a missing file is handed on, so the loader can say what is wrong", async () => {
    const { path, clock, seen, stop } = watched("removed.yaml");
    try {
      rmSync(path);
      await elapseUntil(clock, () => seen.length > 0);
      expect(seen).toEqual(["(missing)"]);
    } finally {
      stop();
    }
  });
});

describe("hot reload of a half-written file", () => {
  test("a config caught empty mid-write never drops the running backends", async () => {
    const path = join(dir, "gateway.yaml");
    const full = `capabilities: { enabled: false }\nlifecycle: { lazy: false }\nbackends:\n  everything:\n    command: '${serverCommand("everything", "stdio")}'\n`;
    writeFileSync(path, full);
    const gw = await spawnGateway(["--config", path]);
    type Health = { backends: Record<string, { status: string; pid?: number }> };
    const health = async (): Promise<Health> =>
      (await (await fetch(new URL("/health", gw.url))).json()) as Health;
    try {
      const pid = await waitFor("everything running", async () => {
        const backend = (await health()).backends.everything;
        return backend?.status === "running" ? backend.pid : undefined;
      });
      writeFileSync(path, "");
      // Before the fix the empty file was applied: "config reloaded (file changed): -everything".
      await waitFor(
        "the empty file handled",
        () => /config reload(ed| skipped)/.test(gw.stderr()) || undefined,
      );
      writeFileSync(path, `${full}# saved in full\n`);
      await waitFor("the full file applied", () => gw.stderr().includes("config reloaded") || undefined);
      expect(gw.stderr()).toContain("config reload skipped");
      expect(gw.stderr()).not.toContain("-everything");
      expect((await health()).backends.everything).toMatchObject({ status: "running", pid });
    } finally {
      gw.proc.kill("SIGTERM");
      await gw.proc.exited;
    }
  });
});
