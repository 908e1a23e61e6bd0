import { jsonRpcError } from "./json-rpc-error.ts";

/**
 * Reads a JSON request body of at most `maxBodySize` bytes that arrives within `timeoutMs`, or the error
 * answer to send instead (413 over the limit, 408 too slow, 400 for anything that is not JSON).
 */
export async function readJsonBody(
  request: Request,
  options: { maxBodySize: number; bodyTimeoutMs: number },
): Promise<unknown | Response> {
  const { maxBodySize, bodyTimeoutMs: timeoutMs } = options;
  const tooLarge = (): Response => jsonRpcError(413, -32600, `Request body exceeds ${maxBodySize} bytes`);
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > maxBodySize) return tooLarge();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), timeoutMs);
  });
  let bytes: ArrayBuffer | "late";
  try {
    bytes = await Promise.race([request.arrayBuffer(), late]);
  } catch {
    return jsonRpcError(400, -32600, "Bad Request: the body could not be read");
  } finally {
    clearTimeout(timer);
  }
  if (bytes === "late") {
    return jsonRpcError(408, -32600, `Request body did not arrive within ${timeoutMs} ms`, {
      connection: "close",
    });
  }
  if (bytes.byteLength > maxBodySize) return tooLarge();
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return jsonRpcError(400, -32700, "Parse error: the body is not valid JSON");
  }
}
