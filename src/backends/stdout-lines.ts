import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The JSON-RPC 2.0 envelope check, by hand: a request or notification (string method), a result or an error
 * (string or number id). The SDK's zod schema walks (and copies) the whole message, which costs more than
 * the rest of relaying a large result; the envelope is all the framing needs, and results are relayed
 * untouched anyway.
 */
export function isJsonRpcMessage(value: unknown): value is JSONRPCMessage {
  if (!isObject(value) || value.jsonrpc !== "2.0") return false;
  const id = value.id;
  const validId = typeof id === "string" || typeof id === "number";
  if (typeof value.method === "string") {
    return (
      (id === undefined || validId) &&
      (value.params === undefined || isObject(value.params) || Array.isArray(value.params))
    );
  }
  if (!validId && id !== null) return false;
  if ("result" in value) return isObject(value.result) && !("error" in value);
  return (
    isObject(value.error) && typeof value.error.code === "number" && typeof value.error.message === "string"
  );
}

/** What one chunk of a backend's stdout held. */
export interface StdoutChunk {
  messages: JSONRPCMessage[];
  /** Excerpts of lines that were not JSON-RPC messages (banners, logs printed to stdout by mistake). */
  noise: string[];
  /** A line grew past the limit; the reader is spent (the stream can no longer be trusted). */
  overflow: boolean;
}

const EXCERPT = 120;

/**
 * Splits a backend's stdout into newline-delimited JSON-RPC messages, keeping each non-message line as an
 * excerpt (so errors can say what the backend wrote) and refusing to buffer a line past `maxLineBytes`.
 */
export class StdoutLines {
  readonly maxLineBytes: number;
  #parts: Buffer[] = [];
  #size = 0;
  #spent = false;

  constructor(options: { maxLineBytes: number }) {
    this.maxLineBytes = options.maxLineBytes;
  }

  push(chunk: Uint8Array): StdoutChunk {
    const out: StdoutChunk = { messages: [], noise: [], overflow: false };
    if (this.#spent) return out;
    let data = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    for (let newline = data.indexOf(10); newline !== -1; newline = data.indexOf(10)) {
      if (this.#size + newline > this.maxLineBytes) return this.#overflow(out);
      const line = this.#take(data.subarray(0, newline));
      data = data.subarray(newline + 1);
      this.#parse(line, out);
    }
    if (this.#size + data.length > this.maxLineBytes) return this.#overflow(out);
    if (data.length > 0) {
      // Copied: the stream may reuse the chunk's memory.
      this.#parts.push(Buffer.from(data));
      this.#size += data.length;
    }
    return out;
  }

  #take(tail: Buffer): string {
    const line = this.#parts.length === 0 ? tail : Buffer.concat([...this.#parts, tail]);
    this.#parts = [];
    this.#size = 0;
    return line.toString("utf8").replace(/\r$/, "");
  }

  #parse(line: string, out: StdoutChunk): void {
    if (line.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      out.noise.push(excerpt(line));
      return;
    }
    if (isJsonRpcMessage(value)) out.messages.push(value);
    else out.noise.push(excerpt(line));
  }

  #overflow(out: StdoutChunk): StdoutChunk {
    this.#spent = true;
    this.#parts = [];
    this.#size = 0;
    out.overflow = true;
    return out;
  }
}

function excerpt(line: string): string {
  const text = line.length > EXCERPT ? `${line.slice(0, EXCERPT)}…` : line;
  // JSON quoting keeps control characters and escape sequences out of logs and error messages.
  return JSON.stringify(text);
}
