/** A hand-driven clock and sleep for failsafe tests: no test waits for real time. */
export class FakeTime {
  now = 1_700_000_000_000;
  /** Every sleep requested, in order (ms). */
  readonly sleeps: number[] = [];
  #timers: { at: number; resolve: () => void }[] = [];

  readonly clock = (): number => this.now;

  /** Resolves when `advance` moves the clock past `ms`; rejects with the signal's reason on abort. */
  readonly sleep = (ms: number, signal?: AbortSignal): Promise<void> => {
    this.sleeps.push(ms);
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const timer = { at: this.now + ms, resolve };
      this.#timers.push(timer);
      signal?.addEventListener(
        "abort",
        () => {
          this.#timers = this.#timers.filter((t) => t !== timer);
          reject(signal.reason);
        },
        { once: true },
      );
    });
  };

  /** Sleeps that resolve at once (records the delay). */
  readonly instantSleep = (ms: number, signal?: AbortSignal): Promise<void> => {
    this.sleeps.push(ms);
    signal?.throwIfAborted();
    return Promise.resolve();
  };

  get pendingTimers(): number {
    return this.#timers.length;
  }

  /** Moves the clock and fires due timers, then lets promise callbacks run. */
  async advance(ms: number): Promise<void> {
    this.now += ms;
    const due = this.#timers.filter((t) => t.at <= this.now);
    this.#timers = this.#timers.filter((t) => t.at > this.now);
    for (const timer of due) timer.resolve();
    await settle();
  }
}

/** Lets pending promise callbacks run (several turns, for chains of awaits). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}
