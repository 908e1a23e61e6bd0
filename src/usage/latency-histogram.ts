/**
 * A fixed-bucket latency histogram: bucket edges grow by 2^(1/4) from 0.1 ms, so a quantile read back as its
 * bucket's geometric middle is within 2^(1/8) − 1 ≈ 9.1% of the true value, from 0.1 ms to about 20 minutes
 * (longer calls share the last bucket). At most {@link BUCKETS} counters per tool, stored sparsely.
 */
export const BUCKETS = 96;
const FLOOR_MS = 0.1;
const PER_DOUBLING = 4;

/** Relative precision of a quantile (the half-width of a bucket, as a fraction). */
export const QUANTILE_PRECISION = 2 ** (1 / (2 * PER_DOUBLING)) - 1;

/** The bucket a latency falls in: 0 below 0.1 ms, then one per quarter doubling. */
export function bucketOf(ms: number): number {
  if (!(ms >= FLOOR_MS)) return 0;
  const index = Math.floor(PER_DOUBLING * Math.log2(ms / FLOOR_MS)) + 1;
  return Math.min(index, BUCKETS - 1);
}

/** What a bucket reads back as: its geometric middle (bucket 0: 0.1 ms, an upper bound). */
export function bucketValue(index: number): number {
  if (index <= 0) return FLOOR_MS;
  return FLOOR_MS * 2 ** ((index - 0.5) / PER_DOUBLING);
}

/** Counts of calls per latency bucket. */
export class LatencyHistogram {
  readonly #counts = new Map<number, number>();
  #total = 0;

  /** Calls counted. */
  get count(): number {
    return this.#total;
  }

  record(ms: number): void {
    this.add(bucketOf(ms), 1);
  }

  /** Adds `count` calls to one bucket (loading a file, merging). */
  add(bucket: number, count: number): void {
    if (!Number.isInteger(bucket) || bucket < 0 || bucket >= BUCKETS || !(count > 0)) return;
    this.#counts.set(bucket, (this.#counts.get(bucket) ?? 0) + count);
    this.#total += count;
  }

  /** The latency at quantile `q` (0–1) in ms, or undefined when nothing was counted. */
  quantile(q: number): number | undefined {
    if (this.#total === 0) return undefined;
    const rank = Math.max(1, Math.ceil(q * this.#total));
    let seen = 0;
    for (const bucket of [...this.#counts.keys()].sort((a, b) => a - b)) {
      seen += this.#counts.get(bucket) ?? 0;
      if (seen >= rank) return bucketValue(bucket);
    }
    return bucketValue(BUCKETS - 1);
  }

  /** The non-empty buckets, `{ index: count }`, for the file. */
  toJSON(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const bucket of [...this.#counts.keys()].sort((a, b) => a - b))
      out[bucket] = this.#counts.get(bucket) ?? 0;
    return out;
  }
}
