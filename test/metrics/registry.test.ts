import { describe, expect, test } from "bun:test";
import {
  escapeHelp,
  escapeLabelValue,
  formatValue,
  PROMETHEUS_CONTENT_TYPE,
} from "../../src/metrics/prometheus.ts";
import { Counter, Gauge, Histogram, Registry } from "../../src/metrics/registry.ts";
import { parseExposition, sampleValue } from "./parse.ts";

describe("text format", () => {
  test("escapes HELP text: backslash and newline only", () => {
    expect(escapeHelp('a\\b\n"c"')).toBe('a\\\\b\\n"c"');
  });

  test("escapes label values: backslash, double quote and newline", () => {
    expect(escapeLabelValue('C:\\dir "x"\ny')).toBe('C:\\\\dir \\"x\\"\\ny');
  });

  test("formats special values the Prometheus way", () => {
    expect(formatValue(Number.POSITIVE_INFINITY)).toBe("+Inf");
    expect(formatValue(Number.NEGATIVE_INFINITY)).toBe("-Inf");
    expect(formatValue(Number.NaN)).toBe("NaN");
    expect(formatValue(0.25)).toBe("0.25");
    expect(formatValue(3)).toBe("3");
  });

  test("declares format version 0.0.4", () => {
    expect(PROMETHEUS_CONTENT_TYPE).toBe("text/plain; version=0.0.4; charset=utf-8");
  });
});

describe("Registry", () => {
  test("renders HELP and TYPE before each family's samples", () => {
    const registry = new Registry();
    registry.counter({ name: "a_total", help: "Things.\nMore" }).inc();
    registry.gauge({ name: "b", help: "Level" }).set(undefined, -2.5);
    expect(registry.render()).toBe(
      "# HELP a_total Things.\\nMore\n# TYPE a_total counter\na_total 1\n# HELP b Level\n# TYPE b gauge\nb -2.5\n",
    );
  });

  test("an empty registry renders nothing", () => {
    expect(new Registry().render()).toBe("");
  });

  test("a family with no samples still declares itself", () => {
    const registry = new Registry();
    registry.counter({ name: "x_total", help: "h", labelNames: ["k"] });
    expect(registry.render()).toBe("# HELP x_total h\n# TYPE x_total counter\n");
  });

  test("label values with quotes, backslashes and newlines survive a round trip", () => {
    const registry = new Registry();
    const counter = registry.counter({ name: "calls_total", help: "h", labelNames: ["tool", "backend"] });
    const tool = 'say "hi"\\\nnow';
    counter.inc({ tool, backend: "b" }, 2);
    const { samples } = parseExposition(registry.render());
    expect(sampleValue(samples, "calls_total", { tool, backend: "b" })).toBe(2);
  });

  test("labels render in declaration order whatever order they are given in", () => {
    const registry = new Registry();
    registry.counter({ name: "c_total", help: "h", labelNames: ["b", "a"] }).inc({ a: "1", b: "2" });
    expect(registry.render()).toContain('c_total{b="2",a="1"} 1');
  });

  test("onCollect hooks run before every render", () => {
    const registry = new Registry();
    const gauge = registry.gauge({ name: "live", help: "h" });
    let n = 0;
    registry.onCollect(() => gauge.set(undefined, ++n));
    expect(registry.render()).toContain("live 1");
    expect(registry.render()).toContain("live 2");
  });

  test("refuses a name registered twice", () => {
    const registry = new Registry();
    registry.counter({ name: "dup", help: "h" });
    expect(() => registry.gauge({ name: "dup", help: "h" })).toThrow("already registered");
  });
});

describe("Counter and Gauge", () => {
  test("counters only go up", () => {
    const counter = new Counter({ name: "c", help: "h" });
    counter.inc();
    counter.inc(undefined, 2.5);
    expect(counter.get()).toBe(3.5);
    expect(() => counter.inc(undefined, -1)).toThrow(RangeError);
    expect(() => counter.inc(undefined, Number.NaN)).toThrow(RangeError);
    expect(counter.get()).toBe(3.5);
  });

  test("gauges set, go up and down", () => {
    const gauge = new Gauge({ name: "g", help: "h", labelNames: ["k"] });
    gauge.set({ k: "a" }, 5);
    gauge.inc({ k: "a" });
    gauge.dec({ k: "a" }, 3);
    expect(gauge.get({ k: "a" })).toBe(3);
  });

  test("reading a series does not create it", () => {
    const gauge = new Gauge({ name: "g", help: "h", labelNames: ["k"] });
    expect(gauge.get({ k: "never" })).toBe(0);
    expect(gauge.render()).toEqual(["# HELP g h", "# TYPE g gauge"]);
  });

  test("remove and removeMatching drop series", () => {
    const counter = new Counter({ name: "c", help: "h", labelNames: ["backend", "tool"] });
    counter.inc({ backend: "a", tool: "x" });
    counter.inc({ backend: "a", tool: "y" });
    counter.inc({ backend: "b", tool: "x" });
    counter.remove({ backend: "b", tool: "x" });
    expect(counter.render()).toHaveLength(4);
    counter.removeMatching({ backend: "a" });
    expect(counter.render()).toHaveLength(2);
  });

  test("missing or unknown labels are programming errors", () => {
    const counter = new Counter({ name: "c", help: "h", labelNames: ["backend"] });
    expect(() => counter.inc()).toThrow('label "backend" is missing');
    expect(() => counter.inc({ backend: "a", tool: "x" } as { backend: string })).toThrow(
      'unknown label "tool"',
    );
  });

  test.each([
    [{ name: "1bad", help: "h" }, "metric name"],
    [{ name: "has-dash", help: "h" }, "metric name"],
    [{ name: "ok", help: "h", labelNames: ["__reserved"] }, "label name"],
    [{ name: "ok", help: "h", labelNames: ["a-b"] }, "label name"],
    [{ name: "ok", help: "h", labelNames: ["a", "a"] }, "declared twice"],
  ])("rejects invalid definitions %o", (options, message) => {
    expect(() => new Counter(options)).toThrow(message);
  });
});

describe("Histogram", () => {
  test("renders cumulative buckets, +Inf, _sum and _count", () => {
    const registry = new Registry();
    const histogram = registry.histogram({
      name: "lat_seconds",
      help: "h",
      labelNames: ["b"],
      buckets: [0.1, 1],
    });
    for (const v of [0.05, 0.1, 0.5, 3]) histogram.observe({ b: "x" }, v);
    expect(registry.render().split("\n")).toEqual([
      "# HELP lat_seconds h",
      "# TYPE lat_seconds histogram",
      'lat_seconds_bucket{b="x",le="0.1"} 2',
      'lat_seconds_bucket{b="x",le="1"} 3',
      'lat_seconds_bucket{b="x",le="+Inf"} 4',
      'lat_seconds_sum{b="x"} 3.65',
      'lat_seconds_count{b="x"} 4',
      "",
    ]);
  });

  test("the default buckets span 5ms to 10s", () => {
    const histogram = new Histogram({ name: "h", help: "h" });
    expect(histogram.buckets[0]).toBe(0.005);
    expect(histogram.buckets.at(-1)).toBe(10);
  });

  test("refuses NaN observations", () => {
    const histogram = new Histogram({ name: "h", help: "h" });
    expect(() => histogram.observe(undefined, Number.NaN)).toThrow(RangeError);
  });

  test.each([
    [[], "at least one bucket"],
    [[1, 0.5], "must increase"],
    [[1, 1], "must increase"],
    [[1, Number.POSITIVE_INFINITY], "not finite"],
  ])("rejects buckets %o", (buckets, message) => {
    expect(() => new Histogram({ name: "h", help: "h", buckets })).toThrow(message);
  });

  test("le is a reserved label", () => {
    expect(() => new Histogram({ name: "h", help: "h", labelNames: ["le"] })).toThrow("reserved");
  });
});
