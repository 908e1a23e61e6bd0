/** Timers a backend schedules with; injectable for tests. */
export interface Timers {
  setTimeout: typeof setTimeout;
  clearTimeout: typeof clearTimeout;
}

/** Options of {@link RestartBackoff}. */
export interface RestartBackoffOptions {
  /** First wait, in ms. @default 1000 */
  initialMs?: number;
  /** Longest wait, in ms. @default 60_000 */
  maxMs?: number;
  /** @default globalThis timers */
  timers?: Timers | undefined;
}

/** One pending background restart at a time, waiting 1 s, 2 s, 4 s … up to a minute between tries. */
export class RestartBackoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #timers: Timers;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #delayMs = 0;

  constructor(options: RestartBackoffOptions = {}) {
    this.#initialMs = options.initialMs ?? 1000;
    this.#maxMs = options.maxMs ?? 60_000;
    this.#timers = options.timers ?? globalThis;
  }

  /** Whether a restart is waiting. */
  get pending(): boolean {
    return this.#timer !== undefined;
  }

  /** Runs `restart` after the next wait; no-op while one is pending. */
  schedule(restart: () => void): void {
    if (this.#timer) return;
    this.#delayMs = this.#delayMs === 0 ? this.#initialMs : Math.min(this.#delayMs * 2, this.#maxMs);
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = undefined;
      restart();
    }, this.#delayMs);
    (this.#timer as { unref?: () => void }).unref?.();
  }

  /** Drops a pending restart. */
  cancel(): void {
    if (!this.#timer) return;
    this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** The backend is up: the next failure waits the first delay again. */
  reset(): void {
    this.#delayMs = 0;
  }
}
