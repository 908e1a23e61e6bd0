/**
 * HTTP/1.x over a raw TCP socket (Bun.connect), for requests `fetch` will not send: no Host, HTTP/1.0, bad
 * %-escapes kept as written, duplicate or malformed headers, bodies that lie about their length, partial
 * bodies. One request per connection; the answer is read until it is complete, the server closes, or the
 * deadline passes.
 */

/** One request, spelled out byte for byte (headers in order, exactly as given). */
export interface RawRequestSpec {
  method?: string;
  path?: string;
  /** `HTTP/1.1` unless given; `""` leaves it out (an HTTP/0.9-style line). */
  version?: string;
  headers?: ReadonlyArray<readonly [string, string]>;
  body?: string | Uint8Array;
  /** `auto` (default) adds Content-Length for a body; `none` adds nothing. */
  contentLength?: "auto" | "none";
}

const encoder = new TextEncoder();

/** The bytes of a request: request line, headers, blank line, body. */
export function buildRequest(spec: RawRequestSpec): Uint8Array {
  const body = typeof spec.body === "string" ? encoder.encode(spec.body) : (spec.body ?? new Uint8Array());
  const version = spec.version ?? "HTTP/1.1";
  const lines = [`${spec.method ?? "GET"} ${spec.path ?? "/"}${version ? ` ${version}` : ""}`];
  for (const [name, value] of spec.headers ?? []) lines.push(`${name}: ${value}`);
  if ((spec.contentLength ?? "auto") === "auto" && (spec.body !== undefined || spec.method === "POST")) {
    lines.push(`Content-Length: ${body.byteLength}`);
  }
  const head = encoder.encode(`${lines.join("\r\n")}\r\n\r\n`);
  const out = new Uint8Array(head.byteLength + body.byteLength);
  out.set(head, 0);
  out.set(body, head.byteLength);
  return out;
}

/** What came back. `answered` = a complete response; `closed` = the server closed before a status line. */
export interface RawAnswer {
  outcome: "answered" | "closed" | "timeout" | "refused";
  status?: number;
  /** Lower-case names; a repeated header keeps its last value. */
  headers: Map<string, string>;
  /** The first 64 KiB of the body, as text. */
  body: string;
  ms: number;
  /** Time to the status line, when one came. */
  headersMs?: number;
}

export interface RawOptions {
  deadlineMs: number;
  /** A `text/event-stream` answer counts as complete once its headers are in (GET streams never end). */
  streamOk?: boolean;
  /** HEAD: the answer has no body whatever its headers say. */
  noBody?: boolean;
}

const BODY_CAP = 64 * 1024;
const HEAD_CAP = 256 * 1024;

/** Sends `bytes` on a new connection to 127.0.0.1:`port` and reads one answer. */
export async function sendRaw(port: number, bytes: Uint8Array, options: RawOptions): Promise<RawAnswer> {
  const started = performance.now();
  const { promise, resolve } = Promise.withResolvers<RawAnswer>();
  let head = new Uint8Array(0);
  let headersDone = false;
  let status: number | undefined;
  let headersMs: number | undefined;
  const headers = new Map<string, string>();
  let contentLength: number | undefined;
  let chunked = false;
  let bodyBytes = 0;
  let tail = "";
  const bodyParts: Uint8Array[] = [];
  let bodyKept = 0;
  let settled = false;
  let socket: Awaited<ReturnType<typeof Bun.connect>> | undefined;

  const finish = (outcome: RawAnswer["outcome"]): void => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    const body = new TextDecoder().decode(Buffer.concat(bodyParts));
    resolve({
      outcome,
      headers,
      body,
      ms: performance.now() - started,
      ...(status !== undefined ? { status } : {}),
      ...(headersMs !== undefined ? { headersMs } : {}),
    });
    socket?.end();
  };
  const timer = setTimeout(() => finish("timeout"), options.deadlineMs);

  const onBody = (chunk: Uint8Array): void => {
    bodyBytes += chunk.byteLength;
    if (bodyKept < BODY_CAP) {
      bodyParts.push(chunk.subarray(0, BODY_CAP - bodyKept));
      bodyKept += Math.min(chunk.byteLength, BODY_CAP - bodyKept);
    }
    if (chunked) {
      tail = (tail + Buffer.from(chunk.subarray(-8)).toString("latin1")).slice(-8);
      if (tail.endsWith("0\r\n\r\n")) finish("answered");
    } else if (contentLength !== undefined && bodyBytes >= contentLength) finish("answered");
  };

  const parseHead = (): void => {
    for (;;) {
      const text = Buffer.from(head).toString("latin1");
      const end = text.indexOf("\r\n\r\n");
      if (end < 0) {
        if (head.byteLength > HEAD_CAP) finish("answered");
        return;
      }
      const [statusLine = "", ...lines] = text.slice(0, end).split("\r\n");
      const code = Number(/^HTTP\/\d(?:\.\d)? (\d{3})/.exec(statusLine)?.[1]);
      const rest = head.subarray(end + 4);
      if (code === 100) {
        // An interim answer (Expect: 100-continue): the real one follows.
        head = rest;
        continue;
      }
      status = Number.isFinite(code) ? code : 0;
      headersMs = performance.now() - started;
      for (const line of lines) {
        const colon = line.indexOf(":");
        if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
      }
      headersDone = true;
      const cl = headers.get("content-length");
      if (cl !== undefined) contentLength = Number(cl);
      chunked = /chunked/i.test(headers.get("transfer-encoding") ?? "");
      const stream = /event-stream/.test(headers.get("content-type") ?? "");
      if (
        options.noBody ||
        status === 204 ||
        status === 304 ||
        (options.streamOk && stream) ||
        contentLength === 0
      ) {
        finish("answered");
        return;
      }
      if (rest.byteLength > 0) onBody(rest);
      return;
    }
  };

  // Writes the whole request, waiting for drain on large bodies.
  let offset = 0;
  const pump = (): void => {
    if (!socket || settled) return;
    while (offset < bytes.byteLength) {
      const wrote = socket.write(bytes.subarray(offset, Math.min(bytes.byteLength, offset + 256 * 1024)));
      if (wrote <= 0) return;
      offset += wrote;
    }
  };

  try {
    socket = await Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: {
        data: (_s, chunk) => {
          if (settled) return;
          if (headersDone) {
            onBody(chunk);
            return;
          }
          const joined = new Uint8Array(head.byteLength + chunk.byteLength);
          joined.set(head, 0);
          joined.set(chunk, head.byteLength);
          head = joined;
          parseHead();
        },
        drain: () => pump(),
        close: () => finish(headersDone ? "answered" : "closed"),
        error: () => finish(headersDone ? "answered" : "closed"),
      },
    });
  } catch {
    finish("refused");
    return promise;
  }
  pump();
  return promise;
}
