import { jsonShapeProblem, textShapeProblem } from "../json-shape.ts";
import { jsonRpcError } from "./json-rpc-error.ts";

/** Limits of one request body. */
export interface BodyLimits {
  maxBodySize: number;
  /** How long the whole body may take to arrive. */
  bodyTimeoutMs: number;
}

/** A body read whole, or why not. */
export type Read = { bytes: Uint8Array } | { error: "too-large" | "late" | "unreadable" };

/** Reads a body chunk by chunk, stopping as soon as it passes `max` bytes or the deadline. */
export async function readBounded(request: Request, max: number, timeoutMs: number): Promise<Read> {
  // A declared length within the limit is what HTTP/1.1 framing delivers: read it whole in one step.
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) <= max) return readDeclared(request, max, timeoutMs);
  const reader = request.body?.getReader();
  if (!reader) return { bytes: new Uint8Array() };
  const chunks: Uint8Array[] = [];
  let size = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), timeoutMs);
  });
  try {
    for (;;) {
      const next = await Promise.race([reader.read(), late]);
      if (next === "late") return { error: "late" };
      if (next.done) break;
      size += next.value.byteLength;
      if (size > max) return { error: "too-large" };
      chunks.push(next.value);
    }
  } catch {
    return { error: "unreadable" };
  } finally {
    clearTimeout(timer);
    reader.releaseLock();
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { bytes };
}

/** A body whose Content-Length is within the limit, whole, before the deadline. */
async function readDeclared(request: Request, max: number, timeoutMs: number): Promise<Read> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), timeoutMs);
  });
  try {
    const bytes = await Promise.race([request.bytes(), late]);
    if (bytes === "late") return { error: "late" };
    return bytes.byteLength > max ? { error: "too-large" } : { bytes };
  } catch {
    return { error: "unreadable" };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Reads a JSON request body of at most `maxBodySize` bytes that arrives within `bodyTimeoutMs`, or the
 * JSON-RPC error answer to send instead (413 over the limit, 408 too slow, 400 for anything not JSON or
 * outside the shape limits of `json-shape.ts`).
 */
export async function readJsonBody(request: Request, limits: BodyLimits): Promise<unknown | Response> {
  const { maxBodySize, bodyTimeoutMs } = limits;
  const tooLarge = (): Response =>
    jsonRpcError(413, -32600, `Request body exceeds ${maxBodySize} bytes`, { connection: "close" });
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > maxBodySize) return tooLarge();
  const read = await readBounded(request, maxBodySize, bodyTimeoutMs);
  if ("error" in read) {
    if (read.error === "too-large") return tooLarge();
    if (read.error === "late") {
      return jsonRpcError(408, -32600, `Request body did not arrive within ${bodyTimeoutMs} ms`, {
        connection: "close",
      });
    }
    return jsonRpcError(400, -32600, "Bad Request: the body could not be read");
  }
  const deep = textShapeProblem(read.bytes);
  if (deep) return jsonRpcError(400, -32600, `Bad Request: the body ${deep}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(read.bytes));
  } catch {
    return jsonRpcError(400, -32700, "Parse error: the body is not valid JSON");
  }
  const shape = jsonShapeProblem(parsed);
  if (shape) return jsonRpcError(400, -32600, `Bad Request: the body ${shape}`);
  return parsed;
}
