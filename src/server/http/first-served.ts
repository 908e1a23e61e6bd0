/** Options of {@link FirstServed}; every field has a default. */
export interface FirstServedOptions {
  /** Quiet after an answer that counts as the client being served. @default 10 */
  quietMs?: number;
  /** Settles this long after the front end began listening, with or without a client. @default 250 */
  maxMs?: number;
  /** Timers (tests inject their own). @default setTimeout / clearTimeout, unref'd */
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (timer: unknown) => void;
}

function unrefTimeout(fn: () => void, ms: number): unknown {
  const timer = setTimeout(fn, ms);
  timer.unref?.();
  return timer;
}

/**
 * When the first client has been served: a request answered and then `quietMs` with none open (a client's
 * initialize, initialized and first list come back to back), or `maxMs` after listening, whichever is
 * first. The gateway starts its backends then (`Gateway.start`'s `warmUpAfter`), so their processes do
 * not compete with the answer a client is waiting for.
 */
export class FirstServed {
  readonly settled: Promise<void>;
  readonly #settle: () => void;
  readonly #options: Required<Pick<FirstServedOptions, "quietMs">> & FirstServedOptions;
  readonly #setTimer: (fn: () => void, ms: number) => unknown;
  readonly #clearTimer: (timer: unknown) => void;
  readonly #cap: unknown;
  #open = 0;
  #quiet: unknown;
  #done = false;

  constructor(options: FirstServedOptions = {}) {
    this.#options = { quietMs: 10, ...options };
    this.#setTimer = options.setTimer ?? unrefTimeout;
    this.#clearTimer = options.clearTimer ?? ((t) => clearTimeout(t as ReturnType<typeof setTimeout>));
    const { promise, resolve } = Promise.withResolvers<void>();
    this.settled = promise;
    this.#settle = resolve;
    this.#cap = this.#setTimer(() => this.#finish(), options.maxMs ?? 250);
  }

  /** True once settled: the front end stops counting. */
  get done(): boolean {
    return this.#done;
  }

  /** A request arrived. */
  begin(): void {
    if (this.#done) return;
    this.#open++;
    if (this.#quiet !== undefined) this.#clearTimer(this.#quiet);
    this.#quiet = undefined;
  }

  /** A request was answered. */
  end(): void {
    if (this.#done) return;
    this.#open = Math.max(0, this.#open - 1);
    if (this.#open === 0) this.#quiet = this.#setTimer(() => this.#finish(), this.#options.quietMs);
  }

  /** Settles now (the front end stopped). */
  stop(): void {
    this.#finish();
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    if (this.#quiet !== undefined) this.#clearTimer(this.#quiet);
    this.#clearTimer(this.#cap);
    this.#settle();
  }
}
