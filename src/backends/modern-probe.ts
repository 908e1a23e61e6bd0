import { errorMessage, GatewayError } from "../errors.ts";
import { redactUrl } from "../redact.ts";
import { VERSION } from "../version.ts";
import { MODERN_VERSION } from "./modern-transport.ts";

/** Where to probe and how. */
export interface ModernProbeOptions {
  url: URL;
  headers: Record<string, string>;
  fetch?: typeof fetch;
}

/** The largest probe answer read (a discover result is a few KiB). */
const MAX_ANSWER = 262_144;

/**
 * Asks an HTTP server whether it speaks 2026-07-28: one `server/discover` with the revision's envelope and
 * headers. True when it answers with a result whose `supportedVersions` names the revision; false for any
 * other answer (a 2025 server refuses a request without a session or without `initialize`, a legacy SSE
 * server has no POST there), so the caller falls back to the `initialize` probe.
 * @throws GatewayError BACKEND_UNAVAILABLE when the server cannot be reached at all
 */
export async function speaksModern(options: ModernProbeOptions): Promise<boolean> {
  const response = await probePost(options, {
    headers: { "mcp-protocol-version": MODERN_VERSION, "mcp-method": "server/discover" },
    body: {
      jsonrpc: "2.0",
      id: "mcp-gateway-discover",
      method: "server/discover",
      params: {
        _meta: {
          "io.modelcontextprotocol/protocolVersion": MODERN_VERSION,
          "io.modelcontextprotocol/clientInfo": { name: "mcp-gateway-probe", version: VERSION },
          "io.modelcontextprotocol/clientCapabilities": {},
        },
      },
    },
  });
  if (response.status !== 200) {
    await response.body?.cancel().catch(() => undefined);
    return false;
  }
  const text = await readLimited(response, MAX_ANSWER);
  const json = response.headers.get("content-type")?.includes("text/event-stream")
    ? text
        .split("\n")
        .filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(5).trim())
        .find((data) => data.includes('"mcp-gateway-discover"'))
    : text;
  try {
    const versions = (JSON.parse(json ?? "") as { result?: { supportedVersions?: unknown } }).result
      ?.supportedVersions;
    return Array.isArray(versions) && versions.includes(MODERN_VERSION);
  } catch {
    return false;
  }
}

/**
 * One probe request: a JSON-RPC message POSTed with the backend's headers, within 10 s.
 * @throws GatewayError BACKEND_UNAVAILABLE when the server cannot be reached
 */
export async function probePost(
  options: ModernProbeOptions,
  request: { headers: Record<string, string>; body: unknown },
): Promise<Response> {
  const doFetch = options.fetch ?? fetch;
  try {
    return await doFetch(options.url, {
      method: "POST",
      headers: {
        ...options.headers,
        accept: "application/json, text/event-stream",
        "content-type": "application/json",
        ...request.headers,
      },
      body: JSON.stringify(request.body),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (cause) {
    throw new GatewayError(
      "BACKEND_UNAVAILABLE",
      `cannot reach ${redactUrl(options.url)}: ${errorMessage(cause)}`,
      { cause },
    );
  }
}

/** At most `max` bytes of a body as text; the rest is cancelled. */
export async function readLimited(response: Response, max: number): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < max) {
      const next = await reader.read();
      if (next.done) break;
      chunks.push(next.value);
      size += next.value.byteLength;
    }
  } catch {
    // A body cut short reads as what arrived.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return new TextDecoder().decode(Buffer.concat(chunks)).slice(0, max);
}
