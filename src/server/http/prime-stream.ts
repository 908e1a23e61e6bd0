const encoder = new TextEncoder();

/** How often a quiet event stream gets a comment line, so proxies and clients see it is alive. */
export const KEEP_ALIVE_MS = 15_000;

/**
 * An event-stream response that starts at once: Bun sends a streamed response's headers only with its first
 * chunk, so a GET stream (or a POST whose tool is slow) with nothing to say yet would leave the client
 * waiting for headers. A comment line (`: open`) goes first, and another every {@link KEEP_ALIVE_MS} while
 * the stream is quiet; SSE readers skip comments. Other responses pass through.
 */
export function primeEventStream(response: Response, keepAliveMs = KEEP_ALIVE_MS): Response {
  const type = response.headers.get("content-type") ?? "";
  if (!type.startsWith("text/event-stream") || !response.body) return response;
  const source = response.body.getReader();
  let timer: ReturnType<typeof setInterval> | undefined;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(": open\n\n"));
      timer = setInterval(() => {
        try {
          controller.enqueue(encoder.encode(": keep-alive\n\n"));
        } catch {
          clearInterval(timer);
        }
      }, keepAliveMs);
      timer.unref?.();
    },
    async pull(controller) {
      try {
        const { done, value } = await source.read();
        if (done) {
          clearInterval(timer);
          controller.close();
        } else controller.enqueue(value);
      } catch (error) {
        clearInterval(timer);
        controller.error(error);
      }
    },
    cancel(reason) {
      clearInterval(timer);
      return source.cancel(reason);
    },
  });
  return new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}
