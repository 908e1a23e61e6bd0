/** Options of {@link fetchJson}. */
export interface FetchJsonOptions {
  /** Request method and body (introspection POSTs a form). @default GET */
  init?: RequestInit;
  /** Gives up after this long. @default 5000 */
  timeoutMs?: number;
  /** Refuses a body larger than this. @default 256 KiB */
  maxBytes?: number;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
}

/**
 * GETs (or POSTs) JSON from an authorization server with a deadline and a size cap, following no redirects:
 * its answers decide who may call tools, so a slow, huge or redirected answer is an error, not a wait.
 * @throws Error naming the URL when the answer is late, not 200, too large or not JSON
 */
export async function fetchJson(url: string, options: FetchJsonOptions = {}): Promise<unknown> {
  const maxBytes = options.maxBytes ?? 256 * 1024;
  const response = await (options.fetch ?? fetch)(url, {
    ...options.init,
    headers: { accept: "application/json", ...(options.init?.headers as Record<string, string>) },
    redirect: "manual",
    signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
  });
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new Error(`${url} answered HTTP ${response.status}`);
  }
  return JSON.parse(await readCapped(response, maxBytes, url));
}

/** The body of `response` as text, refusing more than `maxBytes`. */
export async function readCapped(response: Response, maxBytes: number, url: string): Promise<string> {
  const declared = Number(response.headers.get("content-length") ?? "0");
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw new Error(`${url}: body of ${declared} bytes is over the ${maxBytes}-byte limit`);
  }
  const reader = response.body?.getReader();
  if (!reader) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new Error(`${url}: body is over the ${maxBytes}-byte limit`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}
