/**
 * The standard `OTEL_*` environment variables, read once: what to export, where, and how. Telemetry is off
 * unless an OTLP endpoint or an `otlp` exporter is named (and `OTEL_SDK_DISABLED` is not `true`).
 */

type Env = Record<string, string | undefined>;

/** OTLP over HTTP, protobuf (the specification's default) or JSON bodies. */
export type OtlpProtocol = "http/protobuf" | "http/json";

/** Where and how one signal (traces, metrics) is exported. */
export interface SignalSettings {
  url: string;
  protocol: OtlpProtocol;
  /** Sent with every export (`OTEL_EXPORTER_OTLP_HEADERS`); may hold credentials: never logged. */
  headers: Record<string, string>;
  timeoutMs: number;
}

/** What `OTEL_*` asks for. */
export interface TelemetrySettings {
  traces: SignalSettings | undefined;
  metrics: (SignalSettings & { intervalMs: number }) | undefined;
  /** Resource attributes: service.name (`OTEL_SERVICE_NAME`, default mcp-gateway) and `OTEL_RESOURCE_ATTRIBUTES`. */
  resource: Record<string, string>;
  /** `OTEL_TRACES_SAMPLER` and its argument. */
  sampler: { name: string; ratio: number };
  /** `OTEL_BSP_SCHEDULE_DELAY`: how long finished spans wait to be sent in one batch, in ms. */
  batchDelayMs: number;
  /** What was set but cannot be honoured (unsupported exporter or protocol), for one warning each. */
  problems: string[];
}

const DEFAULT_ENDPOINT = "http://localhost:4318";

function set(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === "" ? undefined : value;
}

/** `k=v,k2=v2` with percent-encoded values, as `OTEL_RESOURCE_ATTRIBUTES` and `OTEL_EXPORTER_OTLP_HEADERS` use. */
export function parseKeyValues(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (text ?? "").split(",")) {
    const at = pair.indexOf("=");
    if (at <= 0) continue;
    const key = pair.slice(0, at).trim();
    try {
      out[key] = decodeURIComponent(pair.slice(at + 1).trim());
    } catch {
      out[key] = pair.slice(at + 1).trim();
    }
  }
  return out;
}

function number(env: Env, name: string, fallback: number): number {
  const value = Number(set(env, name));
  return Number.isFinite(value) && value >= 0 && set(env, name) !== undefined ? value : fallback;
}

function signal(env: Env, kind: "TRACES" | "METRICS", problems: string[]): SignalSettings | undefined {
  const exporters = (set(env, `OTEL_${kind}_EXPORTER`) ?? "").split(",").map((e) => e.trim());
  const own = set(env, `OTEL_EXPORTER_OTLP_${kind}_ENDPOINT`);
  const base = set(env, "OTEL_EXPORTER_OTLP_ENDPOINT");
  if (exporters.includes("none")) return undefined;
  const named = exporters.includes("otlp");
  const other = exporters.filter((e) => e !== "" && e !== "otlp");
  if (other.length > 0)
    problems.push(`OTEL_${kind}_EXPORTER=${other.join(",")} is not supported (only otlp, none)`);
  // Off unless configured: an endpoint, or the otlp exporter asked for by name.
  if (!named && own === undefined && base === undefined) return undefined;
  const protocol = set(env, `OTEL_EXPORTER_OTLP_${kind}_PROTOCOL`) ?? set(env, "OTEL_EXPORTER_OTLP_PROTOCOL");
  if (protocol !== undefined && protocol !== "http/protobuf" && protocol !== "http/json") {
    problems.push(
      `OTEL_EXPORTER_OTLP_PROTOCOL=${protocol} is not supported (http/protobuf, http/json): ${kind.toLowerCase()} are not exported`,
    );
    return undefined;
  }
  const path = kind === "TRACES" ? "v1/traces" : "v1/metrics";
  const url = own ?? `${(base ?? DEFAULT_ENDPOINT).replace(/\/+$/, "")}/${path}`;
  try {
    new URL(url);
  } catch {
    problems.push(
      `the OTLP ${kind.toLowerCase()} endpoint is not a URL: ${kind.toLowerCase()} are not exported`,
    );
    return undefined;
  }
  return {
    url,
    protocol: protocol ?? "http/protobuf",
    headers: {
      ...parseKeyValues(set(env, "OTEL_EXPORTER_OTLP_HEADERS")),
      ...parseKeyValues(set(env, `OTEL_EXPORTER_OTLP_${kind}_HEADERS`)),
    },
    timeoutMs: number(
      env,
      `OTEL_EXPORTER_OTLP_${kind}_TIMEOUT`,
      number(env, "OTEL_EXPORTER_OTLP_TIMEOUT", 10_000),
    ),
  };
}

/** The telemetry `env` asks for, or undefined when it asks for none (the usual case: no cost). */
export function telemetrySettings(env: Env, defaults: { version: string }): TelemetrySettings | undefined {
  if (set(env, "OTEL_SDK_DISABLED")?.toLowerCase() === "true") return undefined;
  const problems: string[] = [];
  const traces = signal(env, "TRACES", problems);
  const metrics = signal(env, "METRICS", problems);
  if (!traces && !metrics && problems.length === 0) return undefined;
  const ratio = Number(set(env, "OTEL_TRACES_SAMPLER_ARG") ?? 1);
  return {
    traces,
    metrics: metrics && { ...metrics, intervalMs: number(env, "OTEL_METRIC_EXPORT_INTERVAL", 60_000) },
    resource: {
      "service.version": defaults.version,
      ...parseKeyValues(set(env, "OTEL_RESOURCE_ATTRIBUTES")),
      "service.name":
        set(env, "OTEL_SERVICE_NAME") ??
        parseKeyValues(set(env, "OTEL_RESOURCE_ATTRIBUTES"))["service.name"] ??
        "mcp-gateway",
    },
    sampler: {
      name: set(env, "OTEL_TRACES_SAMPLER") ?? "parentbased_always_on",
      ratio: Number.isFinite(ratio) && ratio >= 0 && ratio <= 1 ? ratio : 1,
    },
    batchDelayMs: number(env, "OTEL_BSP_SCHEDULE_DELAY", 5_000),
    problems,
  };
}
