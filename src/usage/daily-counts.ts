/** Days of calls kept per tool (UTC days, today included). */
export const TREND_DAYS = 14;

const DAY_MS = 86_400_000;

/** One UTC day's calls. */
export interface DayCount {
  /** `YYYY-MM-DD` (UTC). */
  date: string;
  calls: number;
  errors: number;
}

/** The UTC date of a time. */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Calls and errors per UTC day for the last {@link TREND_DAYS} days; older days are dropped. */
export class DailyCounts {
  readonly #days = new Map<string, { calls: number; errors: number }>();

  record(now: number, error: boolean): void {
    this.add(dayOf(now), error ? { calls: 1, errors: 1 } : { calls: 1, errors: 0 }, now);
  }

  /** Adds a day's counts (loading a file, merging), unless that day is out of the window. */
  add(date: string, counts: { calls: number; errors: number }, now: number): void {
    if (!this.#inWindow(date, now)) return;
    const day = this.#days.get(date) ?? { calls: 0, errors: 0 };
    day.calls += counts.calls;
    day.errors += counts.errors;
    this.#days.set(date, day);
    this.#prune(now);
  }

  /** Every day of the window, oldest first, days without calls as zeros. */
  series(now: number): DayCount[] {
    const out: DayCount[] = [];
    for (let i = TREND_DAYS - 1; i >= 0; i--) {
      const date = dayOf(now - i * DAY_MS);
      const day = this.#days.get(date);
      out.push({ date, calls: day?.calls ?? 0, errors: day?.errors ?? 0 });
    }
    return out;
  }

  /** The days with calls still in the window, for the file. */
  toJSON(now: number): Record<string, { calls: number; errors: number }> {
    this.#prune(now);
    return Object.fromEntries([...this.#days.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  // Only the lower edge: a late-arriving older call (or a skewed clock) must not push today out.
  #inWindow(date: string, now: number): boolean {
    return date >= dayOf(now - (TREND_DAYS - 1) * DAY_MS);
  }

  #prune(now: number): void {
    for (const date of this.#days.keys()) if (!this.#inWindow(date, now)) this.#days.delete(date);
  }
}
