/** URLs ending in `/sse` are the legacy HTTP+SSE transport by convention; no probe needed. */
export function isSseUrl(url: URL): boolean {
  return url.pathname.replace(/\/+$/, "").endsWith("/sse");
}
