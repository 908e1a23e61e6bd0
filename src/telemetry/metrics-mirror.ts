import type { Attributes, Meter, ObservableResult } from "@opentelemetry/api";

/** One sample of the Prometheus text: metric name, labels, value. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Families by name with their type, and every sample, from Prometheus text format 0.0.4. */
export function parsePrometheus(text: string): { types: Map<string, string>; samples: Sample[] } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line.startsWith("# TYPE ")) {
      const [, , name, type] = line.split(" ");
      if (name && type) types.set(name, type);
      continue;
    }
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const [, name, body, raw] = match;
    const labels: Record<string, string> = {};
    for (const label of (body ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[label[1] as string] = (label[2] as string).replace(/\\(.)/g, (_, c: string) =>
        c === "n" ? "\n" : c,
      );
    }
    const value =
      raw === "+Inf" ? Number.POSITIVE_INFINITY : raw === "-Inf" ? Number.NEGATIVE_INFINITY : Number(raw);
    samples.push({ name: name as string, labels, value });
  }
  return { types, samples };
}

/**
 * Mirrors every `/metrics` family as an OTel instrument of the same name, read at each export: counters as
 * observable counters, gauges as observable gauges, histograms as their `_sum` and `_count` counters (the
 * call latencies also go out as the conventions' `mcp.*.operation.duration` histograms).
 */
export function mirrorMetrics(meter: Meter, metricsText: () => string): void {
  let snapshot: { at: number; samples: Sample[] } | undefined;
  // One render per export, however many instruments read it.
  const samples = (): Sample[] => {
    const now = performance.now();
    if (!snapshot || now - snapshot.at > 500)
      snapshot = { at: now, samples: parsePrometheus(metricsText()).samples };
    return snapshot.samples;
  };
  const observe = (name: string) => (result: ObservableResult<Attributes>) => {
    for (const sample of samples()) if (sample.name === name) result.observe(sample.value, sample.labels);
  };
  const { types } = parsePrometheus(metricsText());
  for (const [family, type] of types) {
    if (type === "counter") meter.createObservableCounter(family).addCallback(observe(family));
    else if (type === "gauge") meter.createObservableGauge(family).addCallback(observe(family));
    else if (type === "histogram") {
      meter.createObservableCounter(`${family}_sum`).addCallback(observe(`${family}_sum`));
      meter.createObservableCounter(`${family}_count`).addCallback(observe(`${family}_count`));
    }
  }
}
