// Prometheus text exposition format 0.0.4: the escaping and number rules, kept apart from the registry so
// they can be pinned by tests on their own.

/** The Content-Type a /metrics response in this format carries. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Throws a TypeError unless `name` is a valid metric name. */
export function assertMetricName(name: string): void {
  if (!METRIC_NAME.test(name)) {
    throw new TypeError(
      `metric name "${name}" is invalid (letters, digits, _ and :, not starting with a digit)`,
    );
  }
}

/** Throws a TypeError unless `name` is a valid label name (the `__` prefix is reserved). */
export function assertLabelName(metric: string, name: string): void {
  if (!LABEL_NAME.test(name) || name.startsWith("__")) {
    throw new TypeError(
      `metric "${metric}": label name "${name}" is invalid (letters, digits and _, not starting with a digit or __)`,
    );
  }
}

/** HELP text: backslash and line feed are escaped. */
export function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

/** Label values: backslash, double quote and line feed are escaped. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** A sample value as Prometheus parses it (`+Inf`, `-Inf`, `NaN` spelled its way). */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

/** `{a="1",b="2"}`, or nothing without labels. */
export function formatLabels(names: readonly string[], values: readonly string[]): string {
  if (names.length === 0) return "";
  const pairs = names.map((name, i) => `${name}="${escapeLabelValue(values[i] ?? "")}"`);
  return `{${pairs.join(",")}}`;
}

/** One sample line. */
export function sampleLine(
  name: string,
  names: readonly string[],
  values: readonly string[],
  value: number,
): string {
  return `${name}${formatLabels(names, values)} ${formatValue(value)}`;
}

/** The `# HELP` and `# TYPE` lines of a metric family. */
export function headerLines(name: string, help: string, type: "counter" | "gauge" | "histogram"): string[] {
  return [`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`];
}
