/**
 * The delivery ids one webhook accepted lately, bounded in count and age: a delivery whose id is here is a
 * retry or a replay and is not processed again. Ids leave oldest first, so memory stays at `max` entries.
 */
export class SeenIds {
  readonly #seen = new Map<string, number>();
  readonly #max: number;
  readonly #retainMs: number;

  /**
   * @param max most ids kept
   * @param retainMs how long an id is kept (a signed timestamp older than the tolerance is refused
   * anyway, so past that the id is dead weight); Infinity keeps ids until `max` pushes them out
   */
  constructor(max: number, retainMs: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`max must be a positive integer, got ${max}`);
    this.#max = max;
    this.#retainMs = retainMs;
  }

  get size(): number {
    return this.#seen.size;
  }

  /** Records an id seen at `now`; false when it was already seen (and is still remembered). */
  add(id: string, now: number): boolean {
    this.#expire(now);
    if (this.#seen.has(id)) return false;
    this.#seen.set(id, now);
    while (this.#seen.size > this.#max) this.#seen.delete(this.#seen.keys().next().value as string);
    return true;
  }

  #expire(now: number): void {
    for (const [id, at] of this.#seen) {
      if (now - at < this.#retainMs) return;
      this.#seen.delete(id);
    }
  }
}
