// The only module that loads the OpenTelemetry SDK; imported by `telemetry.ts` when OTEL_* ask for it.
import { OTLPMetricExporter as JsonMetricExporter } from "@opentelemetry/exporter-metrics-otlp-http";
import { OTLPMetricExporter as ProtoMetricExporter } from "@opentelemetry/exporter-metrics-otlp-proto";
import { OTLPTraceExporter as JsonTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as ProtoTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  type Sampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import { VERSION } from "../version.ts";
import { OtelCallTracer } from "./call-spans.ts";
import type { TelemetryRuntime } from "./call-tracer.ts";
import { mirrorMetrics } from "./metrics-mirror.ts";
import type { TelemetrySettings } from "./settings.ts";

const SCOPE = "mcp-gateway";

function sampler(settings: TelemetrySettings["sampler"]): Sampler {
  const root = settings.name.replace(/^parentbased_/, "");
  const base =
    root === "always_off"
      ? new AlwaysOffSampler()
      : root === "traceidratio"
        ? new TraceIdRatioBasedSampler(settings.ratio)
        : new AlwaysOnSampler();
  return settings.name.startsWith("parentbased_") ? new ParentBasedSampler({ root: base }) : base;
}

/** Starts the trace and metric pipelines `settings` describe. */
export function startOtel(
  settings: TelemetrySettings,
  options: { metricsText: () => string },
): TelemetryRuntime {
  const resource = resourceFromAttributes(settings.resource);
  let traces: TracerProvider | undefined;
  if (settings.traces) {
    const { url, headers, timeoutMs, protocol } = settings.traces;
    const config = { url, headers, timeoutMillis: timeoutMs };
    const exporter =
      protocol === "http/json" ? new JsonTraceExporter(config) : new ProtoTraceExporter(config);
    traces = new TracerProvider({
      resource,
      sampler: sampler(settings.sampler),
      spanProcessors: [new BatchSpanProcessor({ exporter, scheduledDelayMillis: settings.batchDelayMs })],
    });
  }
  let meters: MeterProvider | undefined;
  if (settings.metrics) {
    const { url, headers, timeoutMs, protocol, intervalMs } = settings.metrics;
    const config = { url, headers, timeoutMillis: timeoutMs };
    const exporter =
      protocol === "http/json" ? new JsonMetricExporter(config) : new ProtoMetricExporter(config);
    meters = new MeterProvider({
      resource,
      readers: [
        new PeriodicExportingMetricReader({
          exporter,
          exportIntervalMillis: intervalMs,
          exportTimeoutMillis: Math.min(timeoutMs, intervalMs),
        }),
      ],
    });
    mirrorMetrics(meters.getMeter(SCOPE, VERSION), options.metricsText);
  }
  const tracer = traces
    ? new OtelCallTracer(traces.getTracer(SCOPE, VERSION), meters?.getMeter(SCOPE, VERSION))
    : undefined;
  return {
    tracer,
    flush: async () => {
      await Promise.all([traces?.forceFlush(), meters?.forceFlush()]);
    },
    shutdown: async () => {
      await Promise.all([traces?.shutdown(), meters?.shutdown()]);
    },
  };
}
