import { assertLabelName, assertMetricName, headerLines, sampleLine } from "./prometheus.ts";

/** Label values keyed by label name; every declared label must be given, and no other. */
export type Labels<N extends string> = { readonly [K in N]: string };

/** What every metric declares. */
export interface MetricOptions<N extends string> {
  name: string;
  help: string;
  /** Label names, in exposition order. @default [] */
  labelNames?: readonly N[];
}

/** Default histogram buckets in seconds (Prometheus client defaults). */
export const DEFAULT_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

abstract class Metric<N extends string, S> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly N[];
  protected readonly series = new Map<string, { values: string[]; state: S }>();

  constructor(options: MetricOptions<N>, reserved: readonly string[] = []) {
    assertMetricName(options.name);
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames ?? [];
    const seen = new Set<string>();
    for (const label of this.labelNames) {
      assertLabelName(this.name, label);
      if (reserved.includes(label))
        throw new TypeError(`metric "${this.name}": label "${label}" is reserved`);
      if (seen.has(label)) throw new TypeError(`metric "${this.name}": label "${label}" is declared twice`);
      seen.add(label);
    }
  }

  /** Drops the series with these labels (a removed backend), so it stops being exported. */
  remove(labels: Labels<N>): void {
    this.series.delete(this.#key(this.#values(labels)));
  }

  /** Drops every series whose labels match all the given ones. */
  removeMatching(partial: Partial<Labels<N>>): void {
    const wanted = Object.entries(partial) as [N, string][];
    for (const [key, { values }] of this.series) {
      if (wanted.every(([name, value]) => values[this.labelNames.indexOf(name)] === value)) {
        this.series.delete(key);
      }
    }
  }

  reset(): void {
    this.series.clear();
  }

  abstract render(): string[];

  /** The state of an existing series, without creating one. */
  protected find(labels: Labels<N> | undefined): S | undefined {
    return this.series.get(this.#key(this.#values(labels)))?.state;
  }

  protected entry(labels: Labels<N> | undefined, init: () => S): S {
    const values = this.#values(labels);
    const key = this.#key(values);
    let found = this.series.get(key);
    if (!found) {
      found = { values, state: init() };
      this.series.set(key, found);
    }
    return found.state;
  }

  #values(labels: Labels<N> | undefined): string[] {
    const given = (labels ?? {}) as Record<string, unknown>;
    for (const name of Object.keys(given)) {
      if (!(this.labelNames as readonly string[]).includes(name)) {
        throw new TypeError(`metric "${this.name}": unknown label "${name}"`);
      }
    }
    return this.labelNames.map((name) => {
      const value = given[name];
      if (typeof value !== "string") throw new TypeError(`metric "${this.name}": label "${name}" is missing`);
      return value;
    });
  }

  #key(values: string[]): string {
    return values.join("\u0000");
  }
}

/** A value that only goes up (requests, retries, restarts). */
export class Counter<N extends string = never> extends Metric<N, { value: number }> {
  /** @throws RangeError for a negative or non-finite increment */
  inc(labels?: Labels<N>, by = 1): void {
    if (!Number.isFinite(by) || by < 0) throw new RangeError(`counter "${this.name}": cannot add ${by}`);
    this.entry(labels, () => ({ value: 0 })).value += by;
  }

  /** The current value (0 for a series never written; reading does not create it). */
  get(labels?: Labels<N>): number {
    return this.find(labels)?.value ?? 0;
  }

  render(): string[] {
    const lines = headerLines(this.name, this.help, "counter");
    for (const { values, state } of this.series.values()) {
      lines.push(sampleLine(this.name, this.labelNames, values, state.value));
    }
    return lines;
  }
}

/** A value that goes up and down (sessions, states, catalog size). */
export class Gauge<N extends string = never> extends Metric<N, { value: number }> {
  set(labels: Labels<N> | undefined, value: number): void {
    this.entry(labels, () => ({ value: 0 })).value = value;
  }

  inc(labels?: Labels<N>, by = 1): void {
    this.entry(labels, () => ({ value: 0 })).value += by;
  }

  dec(labels?: Labels<N>, by = 1): void {
    this.entry(labels, () => ({ value: 0 })).value -= by;
  }

  /** The current value (0 for a series never written; reading does not create it). */
  get(labels?: Labels<N>): number {
    return this.find(labels)?.value ?? 0;
  }

  render(): string[] {
    const lines = headerLines(this.name, this.help, "gauge");
    for (const { values, state } of this.series.values()) {
      lines.push(sampleLine(this.name, this.labelNames, values, state.value));
    }
    return lines;
  }
}

interface HistogramState {
  /** Per-bucket (non-cumulative) counts; cumulated when rendered. */
  counts: number[];
  sum: number;
  count: number;
}

/** Observations counted into buckets (latency). */
export class Histogram<N extends string = never> extends Metric<N, HistogramState> {
  readonly buckets: readonly number[];

  /** @throws TypeError for unsorted, duplicate or non-finite buckets */
  constructor(options: MetricOptions<N> & { buckets?: readonly number[] }) {
    super(options, ["le"]);
    const buckets = options.buckets ?? DEFAULT_BUCKETS;
    if (buckets.length === 0) throw new TypeError(`histogram "${this.name}": needs at least one bucket`);
    buckets.forEach((bound, i) => {
      if (!Number.isFinite(bound))
        throw new TypeError(`histogram "${this.name}": bucket ${bound} is not finite`);
      const previous = buckets[i - 1];
      if (previous !== undefined && bound <= previous) {
        throw new TypeError(`histogram "${this.name}": buckets must increase (${previous} then ${bound})`);
      }
    });
    this.buckets = [...buckets];
  }

  /** @throws RangeError for NaN */
  observe(labels: Labels<N> | undefined, value: number): void {
    if (Number.isNaN(value)) throw new RangeError(`histogram "${this.name}": cannot observe NaN`);
    const state = this.entry(labels, () => ({ counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    const index = this.buckets.findIndex((bound) => value <= bound);
    if (index >= 0) state.counts[index] = (state.counts[index] ?? 0) + 1;
    state.sum += value;
    state.count++;
  }

  render(): string[] {
    const lines = headerLines(this.name, this.help, "histogram");
    const names = [...this.labelNames, "le"];
    for (const { values, state } of this.series.values()) {
      let cumulative = 0;
      this.buckets.forEach((bound, i) => {
        cumulative += state.counts[i] ?? 0;
        lines.push(sampleLine(`${this.name}_bucket`, names, [...values, String(bound)], cumulative));
      });
      lines.push(sampleLine(`${this.name}_bucket`, names, [...values, "+Inf"], state.count));
      lines.push(sampleLine(`${this.name}_sum`, this.labelNames, values, state.sum));
      lines.push(sampleLine(`${this.name}_count`, this.labelNames, values, state.count));
    }
    return lines;
  }
}

/** Any metric the registry can hold. */
export type AnyMetric = { readonly name: string; render(): string[] };

/** Holds metrics by name and renders them all in the text exposition format. */
export class Registry {
  readonly #metrics = new Map<string, AnyMetric>();
  readonly #collectors: (() => void)[] = [];

  /** @throws TypeError when the name is taken */
  register<M extends AnyMetric>(metric: M): M {
    if (this.#metrics.has(metric.name)) throw new TypeError(`metric "${metric.name}" is already registered`);
    this.#metrics.set(metric.name, metric);
    return metric;
  }

  counter<N extends string = never>(options: MetricOptions<N>): Counter<N> {
    return this.register(new Counter(options));
  }

  gauge<N extends string = never>(options: MetricOptions<N>): Gauge<N> {
    return this.register(new Gauge(options));
  }

  histogram<N extends string = never>(
    options: MetricOptions<N> & { buckets?: readonly number[] },
  ): Histogram<N> {
    return this.register(new Histogram(options));
  }

  /** Runs `collect` before every render: for gauges read from live state at scrape time. */
  onCollect(collect: () => void): void {
    this.#collectors.push(collect);
  }

  /** The whole registry in Prometheus text format 0.0.4, ending with a newline. */
  render(): string {
    for (const collect of this.#collectors) collect();
    const lines: string[] = [];
    for (const metric of this.#metrics.values()) lines.push(...metric.render());
    return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
  }
}
