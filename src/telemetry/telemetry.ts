import { errorMessage } from "../errors.ts";
import { VERSION } from "../version.ts";
import type { CallTracer, TelemetryRuntime } from "./call-tracer.ts";
import { type TelemetrySettings, telemetrySettings } from "./settings.ts";

/** Options of {@link Telemetry}. */
export interface TelemetryOptions {
  /** The /metrics text, mirrored as OTel metrics. */
  metricsText: () => string;
  /** Where a setting that cannot be honoured or a failed start is reported. */
  warn: (message: string) => void;
}

/**
 * OpenTelemetry for one gateway, from the standard `OTEL_*` variables: off (nothing loaded, `tracer`
 * undefined) unless they name an OTLP endpoint or exporter; then the SDK is imported in the background
 * and `tracer` is set once it has started.
 */
export class Telemetry {
  readonly settings: TelemetrySettings | undefined;
  readonly ready: Promise<void>;
  #runtime: TelemetryRuntime | undefined;
  #stopped = false;

  constructor(env: Record<string, string | undefined>, options: TelemetryOptions) {
    this.settings = telemetrySettings(env, { version: VERSION });
    for (const problem of this.settings?.problems ?? []) options.warn(problem);
    const settings = this.settings;
    if (!settings || (!settings.traces && !settings.metrics)) {
      this.ready = Promise.resolve();
      return;
    }
    this.ready = import("./otel-sdk.ts")
      .then(async ({ startOtel }) => {
        const runtime = startOtel(settings, { metricsText: options.metricsText });
        if (this.#stopped) await runtime.shutdown();
        else this.#runtime = runtime;
      })
      .catch((error: unknown) => options.warn(`OpenTelemetry did not start: ${errorMessage(error)}`));
  }

  /** The call tracer, or undefined while telemetry is off or still loading. */
  get tracer(): CallTracer | undefined {
    return this.#runtime?.tracer;
  }

  /** Exports pending spans and metrics now (tests, shutdown). */
  async flush(): Promise<void> {
    await this.ready;
    await this.#runtime?.flush();
  }

  async shutdown(): Promise<void> {
    this.#stopped = true;
    await this.ready;
    const runtime = this.#runtime;
    this.#runtime = undefined;
    await runtime?.shutdown();
  }
}
