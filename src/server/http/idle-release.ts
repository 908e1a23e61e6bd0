/** Options of {@link IdleRelease}; every field has a default. */
export interface IdleReleaseOptions {
  /** Quiet time after the last request ends before memory is given back. @default 2_000 */
  idleMs?: number;
  /**
   * How far the resident set must have grown over its level at start (or where it settled after the last
   * release) before a release is worth what it costs: 0.2 is 20 % above. @default 0.2
   */
  growth?: number;
  /**
   * Time after a release at which the new resident level is read, if no request came meanwhile (a level
   * read during the next burst would be that burst's, and would hold back the release after it). @default 10_000
   */
  settleMs?: number;
  /**
   * Least time between two releases; a burst that ended meanwhile is looked at when it is over.
   * @default 30_000
   */
  minIntervalMs?: number;
  /**
   * Settles when start-up is over (the front end: the first client served and the backends' first start
   * settled). The first quiet of `startupIdleMs` after it gives memory back once whatever the growth:
   * loading and compiling the modules, reading the config and the backends' first lists leave allocator
   * pages and compiled code behind (3-5 MiB of a 70 MiB idle gateway) that no later burst may exceed
   * the start level by enough to reclaim. @default never: no start-up release
   */
  startedUp?: Promise<unknown>;
  /**
   * Quiet time before the start-up release: shorter than `idleMs`, since the release it makes up for is
   * one, and what it costs (the next request's code compiled again) is paid once. @default 250
   */
  startupIdleMs?: number;
  /** Whether work is still running that no request is waiting on (calls on backends). @default never */
  busy?: () => boolean;
  /** The process's resident set in bytes. @default process.memoryUsage.rss */
  rss?: () => number;
  /**
   * Gives memory back: by default `Bun.shrink()`, which when JavaScriptCore is next idle drops compiled
   * code, collects, and returns free malloc pages to the system (`Bun.gc(true)` alone returns almost none).
   */
  release?: () => void;
  /**
   * Told after each release, with the resident set before it, the level it is measured against, and
   * whether it was the start-up release.
   */
  onRelease?: (event: ReleaseEvent) => void;
  /** Timers (tests inject their own). @default setTimeout / clearTimeout, unref'd */
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (timer: unknown) => void;
}

/** What {@link IdleReleaseOptions.onRelease} is told. */
export interface ReleaseEvent {
  rss: number;
  baseline: number;
  /** The one release after start-up (`startedUp`), made whatever the growth. */
  startup: boolean;
}

function defaultRelease(): void {
  // Deprecated in bun-types without a replacement; absent in a runtime that dropped it.
  const shrink = (Bun as { shrink?: () => void }).shrink;
  if (typeof shrink === "function") shrink();
  else Bun.gc(true);
}

function unrefTimeout(fn: () => void, ms: number): unknown {
  const timer = setTimeout(fn, ms);
  timer.unref?.();
  return timer;
}

/**
 * Gives memory back to the system once the front end goes quiet after a burst. A burst of large or hostile
 * requests leaves the process at its high-water mark: the allocator keeps the pages it grew into and the
 * JIT keeps code for paths that ran once (issue 11: 126 % of the starting RSS 45 s after a fuzz run, with
 * under 1 MiB of it live objects). Releasing costs recompiling what runs next, so it happens only when no
 * request has been seen for `idleMs`, nothing runs on a backend, and the resident set grew by `growth` over
 * where it last settled. Once after start-up (`startedUp`) it releases whatever the growth, after a
 * shorter quiet (`startupIdleMs`).
 */
export class IdleRelease {
  readonly #idleMs: number;
  readonly #startupIdleMs: number;
  readonly #growth: number;
  readonly #settleMs: number;
  readonly #minIntervalMs: number;
  readonly #busy: () => boolean;
  readonly #rss: () => number;
  readonly #release: () => void;
  readonly #onRelease: ((event: ReleaseEvent) => void) | undefined;
  readonly #setTimer: (fn: () => void, ms: number) => unknown;
  readonly #clearTimer: (timer: unknown) => void;
  #baseline: number;
  #inflight = 0;
  #idleTimer: unknown;
  #settleTimer: unknown;
  #cooldownTimer: unknown;
  /** No request since the last release. */
  #quiet = false;
  #releases = 0;
  #stopped = false;
  /** The start-up release: waiting for `startedUp`, due at the next quiet, or done (or never asked for). */
  #startup: "waiting" | "due" | "done";

  /** @throws RangeError when an option is out of range */
  constructor(options: IdleReleaseOptions = {}) {
    this.#idleMs = options.idleMs ?? 2_000;
    this.#startupIdleMs = options.startupIdleMs ?? 250;
    this.#growth = options.growth ?? 0.2;
    this.#settleMs = options.settleMs ?? 10_000;
    this.#minIntervalMs = options.minIntervalMs ?? 30_000;
    for (const [name, value] of [
      ["idleMs", this.#idleMs],
      ["startupIdleMs", this.#startupIdleMs],
      ["growth", this.#growth],
      ["settleMs", this.#settleMs],
      ["minIntervalMs", this.#minIntervalMs],
    ] as const) {
      if (!Number.isFinite(value) || value < 0) {
        throw new RangeError(`idle release: ${name} must be a finite number >= 0, got ${value}`);
      }
    }
    this.#busy = options.busy ?? (() => false);
    this.#rss = options.rss ?? (() => process.memoryUsage.rss());
    this.#release = options.release ?? defaultRelease;
    this.#onRelease = options.onRelease;
    this.#setTimer = options.setTimer ?? unrefTimeout;
    this.#clearTimer =
      options.clearTimer ?? ((timer) => clearTimeout(timer as ReturnType<typeof setTimeout>));
    this.#baseline = this.#rss();
    this.#startup = options.startedUp ? "waiting" : "done";
    const startedUp = (): void => this.#startedUp();
    options.startedUp?.then(startedUp, startedUp);
  }

  /** Releases so far. */
  get releases(): number {
    return this.#releases;
  }

  /** A request arrived: not idle until it ends. */
  begin(): void {
    this.#inflight++;
    this.#quiet = false;
    if (this.#idleTimer !== undefined) {
      this.#clearTimer(this.#idleTimer);
      this.#idleTimer = undefined;
    }
  }

  /** A request ended (its answer handed over); the last one starts the idle wait. */
  end(): void {
    this.#inflight = Math.max(0, this.#inflight - 1);
    if (this.#inflight > 0 || this.#stopped) return;
    this.#wait();
  }

  /**
   * A call ended on a backend, whatever carried it (an HTTP request, or frames of a `/ws` session, which
   * never pass `begin`/`end`): with no request open, the idle wait starts again from now.
   */
  callEnded(): void {
    if (this.#inflight > 0 || this.#stopped) return;
    this.#wait();
  }

  /** Cancels the timers; nothing is released after this. */
  stop(): void {
    this.#stopped = true;
    for (const timer of [this.#idleTimer, this.#settleTimer, this.#cooldownTimer]) {
      if (timer !== undefined) this.#clearTimer(timer);
    }
    this.#idleTimer = undefined;
    this.#settleTimer = undefined;
    this.#cooldownTimer = undefined;
  }

  /** (Re)starts the idle wait: the start-up release's shorter one while it is due. */
  #wait(): void {
    if (this.#idleTimer !== undefined) this.#clearTimer(this.#idleTimer);
    const ms = this.#startup === "due" ? this.#startupIdleMs : this.#idleMs;
    this.#idleTimer = this.#setTimer(() => this.#idle(), ms);
  }

  #startedUp(): void {
    if (this.#stopped || this.#startup !== "waiting") return;
    this.#startup = "due";
    // With a request open, its end starts the wait.
    if (this.#inflight === 0) this.#wait();
  }

  #idle(): void {
    this.#idleTimer = undefined;
    // Within the cooldown the cooldown's end looks again.
    if (this.#stopped || this.#inflight > 0 || this.#cooldownTimer !== undefined) return;
    // A call still running on a backend is no pause: look again once more time has passed.
    if (this.#busy()) {
      this.#wait();
      return;
    }
    const rss = this.#rss();
    const startup = this.#startup === "due";
    if (!startup && rss <= this.#baseline * (1 + this.#growth)) return;
    if (startup) this.#startup = "done";
    this.#release();
    this.#releases++;
    this.#onRelease?.({ rss, baseline: this.#baseline, startup });
    this.#quiet = true;
    // What the process holds once the release took effect is the level the next burst is measured from.
    if (this.#settleTimer !== undefined) this.#clearTimer(this.#settleTimer);
    this.#settleTimer = this.#setTimer(() => {
      this.#settleTimer = undefined;
      if (this.#quiet) this.#baseline = this.#rss();
    }, this.#settleMs);
    this.#cooldownTimer = this.#setTimer(() => {
      this.#cooldownTimer = undefined;
      // A burst came and went within the cooldown (its idle wait is over): look at it now rather than at
      // the next request's end. Nothing came: nothing new to look at.
      // The start-up release fell due meanwhile: it is looked at now too.
      const look = !this.#quiet || this.#startup === "due";
      if (look && this.#inflight === 0 && this.#idleTimer === undefined) this.#idle();
    }, this.#minIntervalMs);
  }
}
