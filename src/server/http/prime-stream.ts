const encoder = new TextEncoder();

/** How often a quiet event stream gets a comment line, so proxies and clients see it is alive. */
export const KEEP_ALIVE_MS = 15_000;

/**
 * How long a POST's event stream stays silent before its opening comment: most calls answer well within it,
 * so their response starts with the answer (see {@link PrimeOptions.openAfterMs}).
 */
export const POST_OPEN_AFTER_MS = 1_000;

/** When an event stream's opening comment goes out. */
export interface PrimeOptions {
  /**
   * Milliseconds to wait before the opening comment, unless an event went first. 0 opens at once (a GET
   * stream, which may stay quiet for minutes). A POST's answer waits: a call that answers within it sends
   * nothing before its result, so a replica that dies before answering leaves an empty response, which a
   * load balancer may retry on another replica; an opened stream cut mid-way leaves the client waiting for
   * an answer that cannot come. @default 0
   */
  openAfterMs?: number;
  /** @default KEEP_ALIVE_MS */
  keepAliveMs?: number;
}

/**
 * An event-stream response whose headers go out without waiting for an event: Bun sends a streamed
 * response's headers only with its first chunk, so a GET stream (or a POST whose tool is slow) with nothing
 * to say yet would leave the client (and any proxy with a read timeout) waiting. A comment line (`: open`)
 * goes first — at once, or after `openAfterMs` unless an event came sooner — and another every
 * `keepAliveMs` while the stream is quiet; SSE readers skip comments. Other responses pass through.
 */
export function primeEventStream(response: Response, options: PrimeOptions = {}): Response {
  const type = response.headers.get("content-type") ?? "";
  if (!type.startsWith("text/event-stream") || !response.body) return response;
  const { openAfterMs = 0, keepAliveMs = KEEP_ALIVE_MS } = options;
  const source = response.body.getReader();
  let timer: ReturnType<typeof setInterval> | undefined;
  let opening: ReturnType<typeof setTimeout> | undefined;
  let started = false;
  const stop = (): void => {
    clearInterval(timer);
    clearTimeout(opening);
  };
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const open = (): void => {
        if (!started) {
          started = true;
          controller.enqueue(encoder.encode(": open\n\n"));
        }
        timer = setInterval(() => {
          try {
            controller.enqueue(encoder.encode(": keep-alive\n\n"));
          } catch {
            clearInterval(timer);
          }
        }, keepAliveMs);
        timer.unref?.();
      };
      if (openAfterMs <= 0) open();
      else {
        opening = setTimeout(() => {
          try {
            open();
          } catch {
            // The stream closed in the meantime.
          }
        }, openAfterMs);
        opening.unref?.();
      }
    },
    async pull(controller) {
      try {
        const { done, value } = await source.read();
        if (done) {
          stop();
          controller.close();
        } else {
          started = true;
          controller.enqueue(value);
        }
      } catch (error) {
        stop();
        controller.error(error);
      }
    },
    cancel(reason) {
      stop();
      return source.cancel(reason);
    },
  });
  return new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}
