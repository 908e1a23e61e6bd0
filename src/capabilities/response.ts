import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { xmlToJson } from "./xml.ts";

/** A tool result as relayed by backends (the SDK type plus room for extra fields). */
export type ToolResult = CallToolResult & Record<string, unknown>;

/** A tool-level error result the model can read and act on. */
export function errorResult(text: string): ToolResult {
  return { content: [{ type: "text", text }], isError: true };
}

/** The first `max` characters of a body, on one line. */
export function excerpt(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/** Follows a dot path (`data.items.0.name`, optional leading `$.`, `[0]` indexes) into a value. */
export function extractPath(value: unknown, path: string): unknown {
  const segments = path
    .replace(/^\$\.?/, "")
    .replace(/\[(\d+)\]/g, ".$1")
    .split(".")
    .filter((s) => s !== "");
  let current: unknown = value;
  for (const segment of segments) {
    if (Array.isArray(current)) {
      current = /^\d+$/.test(segment)
        ? current[Number(segment)]
        : current.map((item) => extractPath(item, segment));
    } else if (typeof current === "object" && current !== null) {
      current = (current as Record<string, unknown>)[segment];
    } else return null;
    if (current === undefined) return null;
  }
  return current;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Turns a 2xx response into a tool result: JSON (or XML read as JSON) narrowed by `response_path`, text
 * as is, binary as image/audio content or an embedded blob. With an output schema, an object result is
 * also given as `structuredContent`.
 */
export async function toResult(
  response: Response,
  options: {
    format: "json" | "text" | "xml" | "binary";
    responsePath: string | undefined;
    structured: boolean;
  },
): Promise<ToolResult> {
  const contentType = response.headers.get("content-type") ?? "";
  if (options.format === "binary") {
    const bytes = new Uint8Array(await response.arrayBuffer());
    const mimeType = contentType.split(";")[0]?.trim() || "application/octet-stream";
    const data = Buffer.from(bytes).toString("base64");
    if (mimeType.startsWith("image/")) return { content: [{ type: "image", data, mimeType }] };
    if (mimeType.startsWith("audio/")) return { content: [{ type: "audio", data, mimeType }] };
    return {
      content: [
        { type: "resource", resource: { uri: response.url || "capability:response", mimeType, blob: data } },
      ],
    };
  }
  const text = await response.text();
  if (options.format === "text" && options.responsePath === undefined)
    return { content: [{ type: "text", text }] };
  let value: unknown;
  const xml = options.format === "xml" || (options.format !== "json" && /xml/i.test(contentType));
  if (xml) {
    try {
      value = xmlToJson(text);
    } catch (err) {
      return errorResult(
        `the API answered with XML that could not be read (${(err as Error).message}): ${excerpt(text)}`,
      );
    }
  } else if (options.format === "text") {
    value = text;
  } else {
    if (text.trim() === "") return { content: [{ type: "text", text: "" }] };
    try {
      value = JSON.parse(text);
    } catch {
      return errorResult(
        `the API did not answer with JSON (content-type ${contentType || "none"}): ${excerpt(text)}`,
      );
    }
  }
  if (options.responsePath !== undefined) value = extractPath(value, options.responsePath);
  const out = typeof value === "string" ? value : JSON.stringify(value);
  const result: ToolResult = { content: [{ type: "text", text: out ?? "null" }] };
  if (options.structured && isPlainObject(value)) result.structuredContent = value;
  return result;
}
