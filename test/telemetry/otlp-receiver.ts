import type { Server } from "bun";

/** One OTLP export as the receiver got it. */
export interface Export {
  path: string;
  contentType: string;
  body: Uint8Array;
}

/** A local OTLP/HTTP receiver: records every export to /v1/traces and /v1/metrics and answers 200. */
export interface OtlpReceiver {
  endpoint: string;
  exports: Export[];
  stop(): Promise<void>;
}

export function startOtlpReceiver(): OtlpReceiver {
  const exports: Export[] = [];
  const server: Server<undefined> = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      const contentType = request.headers.get("content-type") ?? "";
      exports.push({
        path: new URL(request.url).pathname,
        contentType,
        body: new Uint8Array(await request.arrayBuffer()),
      });
      return contentType.includes("json")
        ? Response.json({})
        : new Response(new Uint8Array(), { headers: { "content-type": "application/x-protobuf" } });
    },
  });
  return { endpoint: `http://127.0.0.1:${server.port}`, exports, stop: () => server.stop(true) };
}

/** A span as OTLP JSON carries it, attributes flattened. */
export interface JsonSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  status?: { code?: number; message?: string };
  attributes: Record<string, unknown>;
}

type AnyValue = {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
};

function value(v: AnyValue): unknown {
  return v.stringValue ?? v.intValue ?? v.boolValue ?? v.doubleValue;
}

/** Every span in the JSON trace exports received so far. */
export function jsonSpans(exports: readonly Export[]): JsonSpan[] {
  const spans: JsonSpan[] = [];
  for (const e of exports.filter((x) => x.path === "/v1/traces")) {
    const body = JSON.parse(new TextDecoder().decode(e.body)) as {
      resourceSpans: {
        scopeSpans: {
          spans: (Omit<JsonSpan, "attributes"> & { attributes?: { key: string; value: AnyValue }[] })[];
        }[];
      }[];
    };
    for (const rs of body.resourceSpans)
      for (const ss of rs.scopeSpans)
        for (const span of ss.spans)
          spans.push({
            ...span,
            attributes: Object.fromEntries((span.attributes ?? []).map((a) => [a.key, value(a.value)])),
          });
  }
  return spans;
}

/** Metric names in the JSON metric exports received so far. */
export function jsonMetricNames(exports: readonly Export[]): Set<string> {
  const names = new Set<string>();
  for (const e of exports.filter((x) => x.path === "/v1/metrics")) {
    const body = JSON.parse(new TextDecoder().decode(e.body)) as {
      resourceMetrics: { scopeMetrics: { metrics: { name: string }[] }[] }[];
    };
    for (const rm of body.resourceMetrics)
      for (const sm of rm.scopeMetrics) for (const m of sm.metrics) names.add(m.name);
  }
  return names;
}

/** Protobuf wire format, just enough to walk messages: field number → raw values (varints or bytes). */
export function decodeFields(bytes: Uint8Array): Map<number, (bigint | Uint8Array)[]> {
  const fields = new Map<number, (bigint | Uint8Array)[]>();
  let at = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const byte = bytes[at++];
      if (byte === undefined) throw new Error("truncated varint");
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (at < bytes.length) {
    const key = Number(varint());
    const field = key >> 3;
    const wire = key & 7;
    let v: bigint | Uint8Array;
    if (wire === 0) v = varint();
    else if (wire === 2) {
      const length = Number(varint());
      v = bytes.subarray(at, at + length);
      at += length;
    } else if (wire === 1) {
      v = bytes.subarray(at, at + 8);
      at += 8;
    } else if (wire === 5) {
      v = bytes.subarray(at, at + 4);
      at += 4;
    } else throw new Error(`unexpected wire type ${wire}`);
    fields.set(field, [...(fields.get(field) ?? []), v]);
  }
  return fields;
}

/** Span names and kinds in protobuf trace exports (ExportTraceServiceRequest → ResourceSpans → ScopeSpans → Span). */
export function protobufSpans(exports: readonly Export[]): { name: string; kind: number; traceId: string }[] {
  const out: { name: string; kind: number; traceId: string }[] = [];
  const bytesOf = (v: bigint | Uint8Array | undefined): Uint8Array =>
    v instanceof Uint8Array ? v : new Uint8Array();
  for (const e of exports.filter((x) => x.path === "/v1/traces")) {
    for (const rs of decodeFields(e.body).get(1) ?? [])
      for (const ss of decodeFields(bytesOf(rs)).get(2) ?? [])
        for (const span of decodeFields(bytesOf(ss)).get(2) ?? []) {
          const f = decodeFields(bytesOf(span));
          out.push({
            name: new TextDecoder().decode(bytesOf(f.get(5)?.[0])),
            kind: Number(f.get(6)?.[0] ?? 0),
            traceId: Buffer.from(bytesOf(f.get(1)?.[0])).toString("hex"),
          });
        }
  }
  return out;
}
