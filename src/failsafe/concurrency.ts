import { ConcurrencyLimitedError, formatWait } from "./errors.ts";
import { assertInteger, assertNumber } from "./options.ts";
import { abortableSleep } from "./retry.ts";

/** Options of {@link ConcurrencyLimiter}. */
export interface ConcurrencyLimiterOptions {
  /** Calls allowed in flight at once. @default 32 */
  maxConcurrent?: number;
  /** How long a call may wait for a free slot, in ms; 0 rejects at once when full. @default 5_000 */
  queueTimeout?: number;
  /** Calls allowed to wait at once; more are rejected at once. @default 1_000 */
  maxQueue?: number;
  /** Waits `ms`, rejecting with the signal's reason on abort (the queue timer). @default setTimeout-based */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Frees the slot; calling it again does nothing. */
export type Release = () => void;

interface Waiter {
  grant: (release: Release) => void;
  granted?: Release;
}

/**
 * Caps the calls in flight to one backend. Callers over the cap wait in FIFO order for up to
 * `queueTimeout`, then get a {@link ConcurrencyLimitedError}.
 */
export class ConcurrencyLimiter {
  readonly backend: string;
  readonly maxConcurrent: number;
  readonly queueTimeout: number;
  readonly maxQueue: number;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly #queue: Waiter[] = [];
  #inFlight = 0;

  /** @throws RangeError when an option is out of range. */
  constructor(backend: string, options: ConcurrencyLimiterOptions = {}) {
    const owner = `concurrency limit "${backend}"`;
    this.backend = backend;
    this.maxConcurrent = options.maxConcurrent ?? 32;
    this.queueTimeout = options.queueTimeout ?? 5_000;
    this.maxQueue = options.maxQueue ?? 1_000;
    assertInteger(owner, "maxConcurrent", this.maxConcurrent, 1);
    assertNumber(owner, "queueTimeout", this.queueTimeout, { min: 0 });
    assertInteger(owner, "maxQueue", this.maxQueue, 0);
    this.#sleep = options.sleep ?? abortableSleep;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  get queued(): number {
    return this.#queue.length;
  }

  /**
   * Takes a slot, waiting in line when all are busy.
   * @throws ConcurrencyLimitedError when no slot frees up in time; the signal's reason when it aborts
   */
  async acquire(signal?: AbortSignal): Promise<Release> {
    signal?.throwIfAborted();
    if (this.#inFlight < this.maxConcurrent && this.#queue.length === 0) {
      this.#inFlight++;
      return this.#release();
    }
    if (this.queueTimeout === 0 || this.#queue.length >= this.maxQueue) throw this.#rejection(false);

    const timer = new AbortController();
    const onAbort = (): void => timer.abort(signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    let waiter: Waiter | undefined;
    const granted = new Promise<Release>((resolve) => {
      const entry: Waiter = {
        grant: (release) => {
          entry.granted = release;
          resolve(release);
        },
      };
      waiter = entry;
      this.#queue.push(waiter);
    });
    const expired = this.#sleep(this.queueTimeout, timer.signal).then(
      () => "timeout" as const,
      () => "aborted" as const,
    );
    try {
      const outcome = await Promise.race([granted, expired]);
      if (typeof outcome === "function") return outcome;
      // The slot may have been handed over in the same tick the timer fired.
      const late = waiter?.granted;
      if (late && outcome === "timeout") return late;
      late?.();
      this.#drop(waiter);
      if (outcome === "aborted") throw signal?.reason;
      throw this.#rejection(true);
    } finally {
      timer.abort();
      signal?.removeEventListener("abort", onAbort);
    }
  }

  /** Runs `fn` holding a slot. */
  async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const release = await this.acquire(signal);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  #release(): Release {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = this.#queue.shift();
      // The slot passes straight to the next waiter, so a newcomer cannot jump the queue.
      if (next) next.grant(this.#release());
      else this.#inFlight--;
    };
  }

  #drop(waiter: Waiter | undefined): void {
    const index = waiter ? this.#queue.indexOf(waiter) : -1;
    if (index >= 0) this.#queue.splice(index, 1);
  }

  #rejection(waited: boolean): ConcurrencyLimitedError {
    const how = waited ? `none finished within ${formatWait(this.queueTimeout)}` : "the wait queue is full";
    const hint =
      this.queueTimeout === 0 ? "failsafe.concurrency.queue_timeout" : "failsafe.concurrency.max_concurrent";
    return new ConcurrencyLimitedError(
      this.backend,
      `backend "${this.backend}": ${this.maxConcurrent} calls already in flight and ${how}; ` +
        `retry later (or raise ${hint})`,
      { maxConcurrent: this.maxConcurrent, queueTimeoutMs: this.queueTimeout },
    );
  }
}
