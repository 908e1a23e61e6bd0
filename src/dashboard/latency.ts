import { DEFAULT_BUCKETS } from "../metrics/registry.ts";

/** Bucketed latencies: upper bounds in ms and the count in each (the last, unbounded, holds the rest). */
export interface Buckets {
  /** Upper bounds, ms, increasing. */
  bounds: readonly number[];
  /** One count per bound, plus one for values above the last. */
  counts: number[];
}

/** Empty buckets on the gateway's latency histogram bounds (5 ms to 10 s). */
export function emptyBuckets(bounds: readonly number[] = DEFAULT_BUCKETS.map((s) => s * 1000)): Buckets {
  return { bounds, counts: new Array(bounds.length + 1).fill(0) };
}

/** Counts one latency, ms. */
export function observe(buckets: Buckets, ms: number): void {
  const index = buckets.bounds.findIndex((bound) => ms <= bound);
  const at = index < 0 ? buckets.bounds.length : index;
  buckets.counts[at] = (buckets.counts[at] ?? 0) + 1;
}

/** Adds `from`'s counts into `into` (same bounds). */
export function merge(into: Buckets, from: Buckets): void {
  from.counts.forEach((n, i) => {
    into.counts[i] = (into.counts[i] ?? 0) + n;
  });
}

/**
 * The `q` quantile (0..1) of bucketed latencies, ms, interpolated inside its bucket as Prometheus's
 * `histogram_quantile` does; the last bound when it falls above every bound; undefined with no value.
 */
export function quantile(buckets: Buckets, q: number): number | undefined {
  const total = buckets.counts.reduce((a, b) => a + b, 0);
  if (total === 0) return undefined;
  const rank = q * total;
  let below = 0;
  for (let i = 0; i < buckets.counts.length; i++) {
    const count = buckets.counts[i] ?? 0;
    if (below + count >= rank && count > 0) {
      const upper = buckets.bounds[i];
      if (upper === undefined) return buckets.bounds.at(-1);
      const lower = i === 0 ? 0 : (buckets.bounds[i - 1] ?? 0);
      return lower + ((upper - lower) * (rank - below)) / count;
    }
    below += count;
  }
  return buckets.bounds.at(-1);
}

const BUCKET_LINE = /^mcp_gateway_request_duration_seconds_bucket\{(.*)\} (\S+)$/;
const LABEL = /(\w+)="((?:[^"\\]|\\.)*)"/g;

/**
 * The request latency histogram of a `/metrics` body, per backend and tool label (`JSON [backend, tool]`),
 * as per-bucket (not cumulative) counts in ms.
 */
export function latencyHistograms(metricsText: string): Map<string, Buckets> {
  const cumulative = new Map<string, { bounds: number[]; totals: number[] }>();
  for (const line of metricsText.split("\n")) {
    const m = BUCKET_LINE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[1] as string).matchAll(LABEL)) {
      labels[l[1] as string] = (l[2] as string).replace(/\\(.)/g, "$1");
    }
    const key = JSON.stringify([labels.backend, labels.tool]);
    const series = cumulative.get(key) ?? { bounds: [], totals: [] };
    cumulative.set(key, series);
    if (labels.le !== "+Inf") series.bounds.push(Number(labels.le) * 1000);
    series.totals.push(Number(m[2]));
  }
  const out = new Map<string, Buckets>();
  for (const [key, { bounds, totals }] of cumulative) {
    out.set(key, { bounds, counts: totals.map((n, i) => n - (i === 0 ? 0 : (totals[i - 1] ?? 0))) });
  }
  return out;
}
