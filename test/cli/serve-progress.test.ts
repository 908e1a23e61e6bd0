import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startProgress } from "../../src/cli/progress.ts";
import { showWarmUp, warmUpCounts, warmUpLine } from "../../src/cli/warm-up-progress.ts";
import { tempDir } from "../helpers/gateway.ts";
import { BUN, ENTRY, serverCommand } from "../helpers/paths.ts";
import { childEnv, spawnGateway, waitFor } from "../helpers/process.ts";

/** A terminal stand-in that records what was written to it. */
function fakeTerminal(isTTY = true) {
  const chunks: string[] = [];
  return {
    isTTY,
    chunks,
    text: () => chunks.join(""),
    write(chunk: string | Uint8Array): boolean {
      chunks.push(typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk));
      return true;
    },
  };
}

/** What a terminal shows: each line after its last carriage return / erase-line. */
function screen(raw: string): string[] {
  return raw
    .replace(/\r\n/g, "\n")
    .split("\n")
    .map((line) => line.split("\r").join("\x1b[2K").split("\x1b[2K").at(-1) ?? "");
}

describe("progress line", () => {
  test("with interleave, a log line never shares the spinner's line; done leaves one final line", () => {
    const term = fakeTerminal();
    const progress = startProgress("backends learned 0/2", {
      stream: term,
      interleave: true,
      intervalMs: 1e6,
    });
    term.write("[x] ℹ ready: 3 tools\n");
    // A line written in two pieces: the spinner waits for its end.
    term.write("[y] partial ");
    progress.update("backends learned 1/2");
    term.write("end\n");
    progress.done("backends learned 2/2 in 0.3 s");
    expect(screen(term.text())).toEqual([
      "[x] ℹ ready: 3 tools",
      "[y] partial end",
      "backends learned 2/2 in 0.3 s",
      "",
    ]);
    // Writes go straight to the stream again afterwards.
    term.write("after\n");
    expect(term.chunks.at(-1)).toBe("after\n");
  });

  test("not a terminal: nothing at all, not even the final line", () => {
    const term = fakeTerminal(false);
    const progress = startProgress("x", { stream: term, interleave: true });
    progress.done("final");
    expect(term.text()).toBe("");
  });
});

describe("warm-up counts", () => {
  test("tools known (running, sleeping, from the manifest) are learned; errors are failed", () => {
    const counts = warmUpCounts({
      backends: {
        a: { status: "running" },
        b: { status: "starting" },
        c: { status: "configured", tools_source: "manifest" },
        d: { status: "error" },
        e: { status: "configured", tools_source: "none" },
      },
    });
    expect(counts).toEqual({ learned: 2, total: 5, failed: ["d"] });
    expect(warmUpLine(counts)).toBe("backends learned 2/5 — failed: d");
    expect(warmUpLine(counts, 1234)).toBe(
      "backends learned 2/5 in 1.2 s — failed: d (mcp-gateway doctor says why)",
    );
  });

  test("showWarmUp draws n/N until ready, then one final line with the injected clock", async () => {
    const term = fakeTerminal();
    let health: Record<string, unknown> = {
      backends: { a: { status: "starting" }, b: { status: "starting" } },
    };
    let ready: () => void = () => undefined;
    const gateway = { health: () => health, ready: new Promise<void>((r) => (ready = r)) };
    let clock = 1000;
    const shown = showWarmUp(gateway, { stream: term, now: () => clock, refreshMs: 1e6 });
    expect(screen(term.text()).at(-1)).toContain("backends learned 0/2");
    health = { backends: { a: { status: "running" }, b: { status: "running" } } };
    clock = 3500;
    ready();
    await shown;
    expect(screen(term.text()).slice(-2)).toEqual(["backends learned 2/2 in 2.5 s", ""]);
  });
});

describe("serve on a pseudo-terminal", () => {
  const dir = tempDir("mcp-gateway-progress-");
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const script = Bun.which("script");

  // `script` (util-linux) gives the gateway a real pseudo-terminal as stderr; stdout goes to a file.
  test.skipIf(!script)(
    "stderr shows backends learned n/N and one final line; stdout gets none of it",
    async () => {
      const config = join(dir, "gateway.yaml");
      writeFileSync(
        config,
        `backends:\n  everything:\n    command: '${serverCommand("everything", "stdio")}'\n  broken:\n    command: "${join(dir, "missing-command")}"\n`,
      );
      const pidFile = join(dir, "pid");
      const stdoutFile = join(dir, "stdout");
      const inner = `echo $$ > '${pidFile}'; exec '${BUN}' '${ENTRY}' serve --port 0 --config '${config}' > '${stdoutFile}'`;
      const proc = Bun.spawn([script as string, "-qec", `sh -c "${inner}"`, "/dev/null"], {
        stdin: "pipe",
        stdout: "pipe",
        stderr: "pipe",
        env: childEnv({ NO_COLOR: "1" }),
      });
      let terminal = "";
      void (async () => {
        const decoder = new TextDecoder();
        for await (const chunk of proc.stdout) terminal += decoder.decode(chunk, { stream: true });
      })();
      try {
        await waitFor("the final warm-up line", () =>
          /backends learned \d+\/3 in /.test(terminal) ? true : undefined,
        );
        const lines = screen(terminal);
        const final = lines.filter((l) => / in \d+\.\d s/.test(l));
        expect(final).toHaveLength(1);
        expect(final[0]).toMatch(
          /^backends learned 2\/3 in \d+\.\d s — failed: broken \(mcp-gateway doctor says why\)$/,
        );
        // The spinner drew while warming up, on the terminal only.
        expect(terminal).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] backends learned [0-2]\/3/);
        expect(existsSync(stdoutFile) ? readFileSync(stdoutFile, "utf8") : "").toBe("");
      } finally {
        const pid = Number(readFileSync(pidFile, "utf8"));
        process.kill(pid, "SIGTERM");
        await proc.exited;
      }
    },
    60_000,
  );

  test("stderr not a terminal: no progress line", async () => {
    const config = join(dir, "plain.yaml");
    writeFileSync(
      config,
      `backends:\n  everything:\n    command: '${serverCommand("everything", "stdio")}'\n`,
    );
    const gateway = await spawnGateway(["--config", config]);
    try {
      await waitFor("the backend to be ready", async () => {
        const health = (await (await fetch(new URL("/health", gateway.url))).json()) as { status: string };
        return health.status === "ok" ? true : undefined;
      });
      expect(gateway.stderr()).not.toContain("backends learned");
    } finally {
      gateway.proc.kill("SIGTERM");
      await gateway.proc.exited;
    }
  });
});
