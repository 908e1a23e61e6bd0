import { describe, expect, test } from "bun:test";
import { parseKeyValues, telemetrySettings } from "../../src/telemetry/settings.ts";
import { outgoingTraceparent, tracedFetch, withTraceparent } from "../../src/telemetry/trace-context.ts";

const V = { version: "9.9.9" };

describe("OTEL_* settings", () => {
  test("nothing set, or only a service name, is off", () => {
    expect(telemetrySettings({}, V)).toBeUndefined();
    expect(telemetrySettings({ OTEL_SERVICE_NAME: "x" }, V)).toBeUndefined();
  });

  test("an endpoint turns traces and metrics on, with the standard paths and protobuf", () => {
    const s = telemetrySettings({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/" }, V);
    expect(s?.traces).toMatchObject({ url: "http://collector:4318/v1/traces", protocol: "http/protobuf" });
    expect(s?.metrics).toMatchObject({ url: "http://collector:4318/v1/metrics", intervalMs: 60_000 });
    expect(s?.resource).toEqual({ "service.name": "mcp-gateway", "service.version": "9.9.9" });
  });

  test("per-signal endpoints are used as they are; none switches a signal off", () => {
    const s = telemetrySettings(
      { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://t:1/custom", OTEL_METRICS_EXPORTER: "none" },
      V,
    );
    expect(s?.traces?.url).toBe("http://t:1/custom");
    expect(s?.metrics).toBeUndefined();
  });

  test("OTEL_TRACES_EXPORTER=otlp alone uses the default endpoint", () => {
    const s = telemetrySettings({ OTEL_TRACES_EXPORTER: "otlp" }, V);
    expect(s?.traces?.url).toBe("http://localhost:4318/v1/traces");
    expect(s?.metrics).toBeUndefined();
  });

  test("OTEL_SDK_DISABLED=true wins", () => {
    expect(
      telemetrySettings({ OTEL_SDK_DISABLED: "true", OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318" }, V),
    ).toBeUndefined();
  });

  test("headers, resource attributes, protocol, sampler and intervals", () => {
    const s = telemetrySettings(
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318",
        OTEL_EXPORTER_OTLP_HEADERS: "authorization=Bearer%20abc,x-team=ops",
        OTEL_EXPORTER_OTLP_TRACES_HEADERS: "x-team=traces",
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
        OTEL_RESOURCE_ATTRIBUTES: "deployment.environment=prod,service.name=from-attrs",
        OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
        OTEL_TRACES_SAMPLER_ARG: "0.25",
        OTEL_METRIC_EXPORT_INTERVAL: "1000",
      },
      V,
    );
    expect(s?.traces?.headers).toEqual({ authorization: "Bearer abc", "x-team": "traces" });
    expect(s?.metrics?.headers).toEqual({ authorization: "Bearer abc", "x-team": "ops" });
    expect(s?.traces?.protocol).toBe("http/json");
    expect(s?.resource["service.name"]).toBe("from-attrs");
    expect(s?.resource["deployment.environment"]).toBe("prod");
    expect(s?.sampler).toEqual({ name: "parentbased_traceidratio", ratio: 0.25 });
    expect(s?.metrics?.intervalMs).toBe(1000);
  });

  test("what cannot be honoured is reported, and that signal stays off", () => {
    const grpc = telemetrySettings(
      { OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4317", OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" },
      V,
    );
    expect(grpc?.traces).toBeUndefined();
    expect(grpc?.problems.join()).toContain("grpc is not supported");
    const zipkin = telemetrySettings({ OTEL_TRACES_EXPORTER: "zipkin" }, V);
    expect(zipkin?.traces).toBeUndefined();
    expect(zipkin?.problems[0]).toContain("OTEL_TRACES_EXPORTER=zipkin is not supported");
    const bad = telemetrySettings(
      { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "not a url", OTEL_METRICS_EXPORTER: "none" },
      V,
    );
    expect(bad?.traces).toBeUndefined();
    expect(bad?.problems[0]).toContain("not a URL");
  });

  test("key=value lists skip malformed pairs and keep undecodable values as written", () => {
    expect(parseKeyValues("a=1,,=x,b,c=%zz, d = 2 ")).toEqual({ a: "1", c: "%zz", d: "2" });
  });
});

describe("the outgoing traceparent", () => {
  const TP = "00-0123456789abcdef0123456789abcdef-0123456789abcdef-01";

  test("exists only inside a traced call", async () => {
    expect(outgoingTraceparent()).toBeUndefined();
    await withTraceparent({ traceparent: TP }, async () => {
      await Promise.resolve();
      expect(outgoingTraceparent()).toBe(TP);
    });
    expect(outgoingTraceparent()).toBeUndefined();
  });

  test("tracedFetch adds it to Request and URL calls alike, keeping the other headers", async () => {
    const seen: Headers[] = [];
    const inner = (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
      seen.push(input instanceof Request && init === undefined ? input.headers : new Headers(init?.headers));
      return new Response("ok");
    }) as typeof fetch;
    const traced = tracedFetch(inner);
    await traced("http://x/", { headers: { a: "1" } });
    await withTraceparent({ traceparent: TP }, async () => {
      await traced("http://x/", { headers: { a: "1" } });
      await traced(new Request("http://x/", { headers: { b: "2" } }));
    });
    expect(seen[0]?.get("traceparent")).toBeNull();
    expect(seen[1]?.get("traceparent")).toBe(TP);
    expect(seen[1]?.get("a")).toBe("1");
    expect(seen[2]?.get("traceparent")).toBe(TP);
    expect(seen[2]?.get("b")).toBe("2");
  });
});
