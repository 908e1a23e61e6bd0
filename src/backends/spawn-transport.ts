import { serializeMessage } from "@modelcontextprotocol/sdk/shared/stdio.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import type { Subprocess } from "bun";
import { errorMessage, GatewayError } from "../errors.ts";
import { childEnvironment } from "./child-env.ts";
import { StdoutLines } from "./stdout-lines.ts";
import type { BackendTransport } from "./transport.ts";

type Child = Subprocess<"pipe", "pipe", "pipe">;

/** What spawning needs; `Bun.spawn` by default, injectable for tests. */
export type SpawnFn = (argv: string[], options: Parameters<typeof Bun.spawn>[1]) => Child;

/** Options for a stdio backend's child process. */
export interface SpawnTransportOptions {
  argv: string[];
  /** The backend's own variables, on top of the safe set of the gateway's environment. @default {} */
  env?: Record<string, string>;
  /** Pass the gateway's whole environment instead of the safe set. @default false */
  inheritEnv?: boolean | undefined;
  cwd?: string | undefined;
  /** Longest line (one JSON-RPC message) read from stdout; a longer one ends the connection. @default 16 MiB */
  maxLineBytes?: number;
  /** Called with each line the child writes to stderr. */
  onStderr?: (line: string) => void;
  /** How long a child may take to exit after stdin closes before SIGTERM. @default 500 */
  stdinGraceMs?: number;
  /** How long after SIGTERM before SIGKILL. @default 2000 */
  termGraceMs?: number;
  spawn?: SpawnFn;
}

const STDERR_TAIL = 5;
const MAX_LINE_BYTES = 16 * 1024 * 1024;

/**
 * MCP over a child's stdin/stdout with newline-delimited JSON-RPC. The child gets its own process group so
 * shutdown reaches grandchildren too (an `npx` wrapper's node process must not outlive the gateway).
 */
export class SpawnTransport implements BackendTransport {
  onmessage?: (message: JSONRPCMessage) => void;
  onerror?: (error: Error) => void;
  onclose?: () => void;

  readonly #options: SpawnTransportOptions;
  #child: Child | undefined;
  #closing: Promise<void> | undefined;
  #stderrTail: string[] = [];
  #exitCode: number | null = null;
  #noise: { excerpt: string; count: number } | undefined;
  #failure: string | undefined;

  constructor(options: SpawnTransportOptions) {
    this.#options = options;
  }

  /** Process id of the running child (also its process group id). */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Exit code once the child has exited, else null. */
  get exitCode(): number | null {
    return this.#exitCode;
  }

  /** The signal that ended the child, once it has exited by one. */
  get exitSignal(): string | null {
    const signal = this.#exitCode === null ? null : this.#child?.signalCode;
    return signal === undefined || signal === null ? null : String(signal);
  }

  /** The last few stderr lines, for error messages about a child that died. */
  get stderrTail(): string[] {
    return [...this.#stderrTail];
  }

  /** The last stdout line that was not a JSON-RPC message, and how many there were. */
  get noise(): { excerpt: string; count: number } | undefined {
    return this.#noise ? { ...this.#noise } : undefined;
  }

  /** Why the transport ended the connection itself, if it did. */
  get failure(): string | undefined {
    return this.#failure;
  }

  async start(): Promise<void> {
    const { argv, env, cwd } = this.#options;
    const spawn = this.#options.spawn ?? (Bun.spawn as unknown as SpawnFn);
    try {
      this.#child = spawn(argv, {
        stdin: "pipe",
        stdout: "pipe",
        stderr: "pipe",
        env: childEnvironment(env ?? {}, { inherit: this.#options.inheritEnv ?? false }),
        ...(cwd ? { cwd } : {}),
        detached: true,
      });
    } catch (cause) {
      throw new GatewayError("SPAWN_FAILED", `cannot start "${argv[0]}": ${errorMessage(cause)}`, { cause });
    }
    const child = this.#child;
    void this.#pumpStdout(child);
    void this.#pumpStderr(child);
    void child.exited.then((code) => {
      this.#exitCode = code;
      this.onclose?.();
    });
  }

  async send(message: JSONRPCMessage): Promise<void> {
    const child = this.#child;
    if (!child || this.#exitCode !== null) throw new Error("backend process is not running");
    child.stdin.write(serializeMessage(message));
    await child.stdin.flush();
  }

  /** Closes stdin, then SIGTERM, then SIGKILL to the whole process group, waiting a grace period between. */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  /** Kills the whole process group at once (for a hung child that would ignore a polite shutdown). */
  async terminate(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    signalGroup(child, "SIGKILL");
    await child.exited;
  }

  async #shutdown(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    const exited = child.exited.then(() => true);
    const within = (ms: number): Promise<boolean> =>
      Promise.race([exited, new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref?.())]);
    try {
      child.stdin.end();
    } catch {
      // Already closed: the child is on its way out.
    }
    if (!(await within(this.#options.stdinGraceMs ?? 500))) {
      signalGroup(child, "SIGTERM");
      if (!(await within(this.#options.termGraceMs ?? 2000))) signalGroup(child, "SIGKILL");
      await within(1000);
    }
    // The leader may have exited while helpers it started live on in its group (npx → node).
    signalGroup(child, "SIGTERM");
    setTimeout(() => signalGroup(child, "SIGKILL"), this.#options.termGraceMs ?? 2000).unref?.();
  }

  async #pumpStdout(child: Child): Promise<void> {
    const maxLineBytes = this.#options.maxLineBytes ?? MAX_LINE_BYTES;
    const lines = new StdoutLines({ maxLineBytes });
    try {
      for await (const chunk of child.stdout) {
        const { messages, noise, overflow } = lines.push(chunk);
        for (const excerpt of noise) {
          // Some servers print banners on stdout; skip the line rather than kill the session, but keep it
          // so a request that then goes unanswered can say what the backend wrote instead.
          this.#noise = { excerpt, count: (this.#noise?.count ?? 0) + 1 };
          this.#options.onStderr?.(`(ignored non-JSON-RPC line on stdout: ${excerpt})`);
        }
        for (const message of messages) this.onmessage?.(message);
        if (overflow) {
          // The rest of the stream cannot be framed any more, and buffering on would hold unbounded memory.
          this.#failure = `backend wrote a message over ${formatBytes(maxLineBytes)} on stdout (the limit)`;
          this.onerror?.(new Error(this.#failure));
          await this.terminate();
          return;
        }
      }
    } catch (err) {
      this.onerror?.(err instanceof Error ? err : new Error(String(err)));
    }
  }

  async #pumpStderr(child: Child): Promise<void> {
    const decoder = new TextDecoder();
    let pending = "";
    for await (const chunk of child.stderr) {
      pending += decoder.decode(chunk, { stream: true });
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) this.#stderrLine(line);
    }
    if (pending) this.#stderrLine(pending);
  }

  #stderrLine(raw: string): void {
    const line = raw.replace(/\r$/, "");
    if (!line.trim()) return;
    this.#stderrTail.push(line);
    if (this.#stderrTail.length > STDERR_TAIL) this.#stderrTail.shift();
    this.#options.onStderr?.(line);
  }
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

/**
 * Signals the child's whole process group (it was spawned detached, so its pid is the group id). Windows
 * has no process groups: there the child itself is signalled.
 */
function signalGroup(child: Child, signal: NodeJS.Signals): void {
  try {
    if (process.platform === "win32") child.kill(signal);
    else process.kill(-child.pid, signal);
  } catch {
    // ESRCH: the group is already gone, which is what we want.
  }
}
