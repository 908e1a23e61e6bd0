const encoder = new TextEncoder();

/** How often a quiet event stream gets a comment line, so proxies and clients see it is alive. */
export const KEEP_ALIVE_MS = 15_000;

/**
 * How long a POST's event stream stays silent before its opening comment: most calls answer well within it,
 * so their response starts with the answer (see {@link answerPost}).
 */
export const POST_OPEN_AFTER_MS = 1_000;

/** What a GET stream's keep-alive may be told. */
export interface PrimeOptions {
  /** @default KEEP_ALIVE_MS */
  keepAliveMs?: number;
}

/** When a POST's event stream gives up waiting for its answer and opens. */
export interface PostOptions extends PrimeOptions {
  /** @default POST_OPEN_AFTER_MS */
  openAfterMs?: number;
  /** The request's signal: a client gone stops the wait at once (the stream is cancelled after). */
  signal?: AbortSignal;
}

type Chunk = { done: true; value?: undefined } | { done: false; value: Uint8Array };

/** What is read of a response body. */
interface Source {
  read(): Promise<Chunk>;
  cancel(reason?: unknown): Promise<void>;
}

/** Resolved in place of a read that was not settled yet. */
const NOT_YET = Symbol("not yet");
const notYet = Promise.resolve(NOT_YET);

/**
 * An event-stream response whose headers go out without waiting for an event: Bun sends a streamed
 * response's headers only with its first chunk, so a GET stream with nothing to say yet would leave the
 * client (and any proxy with a read timeout) waiting. A comment line (`: open`) goes first and another every
 * `keepAliveMs` while the stream is quiet; SSE readers skip comments. Other responses pass through.
 */
export function primeEventStream(response: Response, options: PrimeOptions = {}): Response {
  if (!isEventStream(response) || !response.body) return response;
  const source: Source = response.body.getReader();
  return streamed(response, source, [], undefined, options);
}

/**
 * A POST's answer. Most calls answer well within `openAfterMs`: the response then waits for the answer, and
 * when the stream is complete by the time its first event arrives (one request, one answer, no progress)
 * it goes out as one plain body: no chunked stream for Bun and the client to pump. A call still silent after
 * `openAfterMs` (or one whose stream goes on after its first events: progress, questions to the client)
 * becomes an open event stream, primed and kept alive like a GET's. Waiting for the first event means a
 * replica that dies before answering leaves an empty response, which a load balancer may retry on another
 * replica; an opened stream cut mid-way leaves the client waiting for an answer that cannot come.
 */
export async function answerPost(response: Response, options: PostOptions = {}): Promise<Response> {
  if (!isEventStream(response) || !response.body) return response;
  const source: Source = response.body.getReader();
  const first = await firstRead(source, options);
  if ("waiting" in first) return streamed(response, source, [], first.waiting, options);
  const held: Uint8Array[] = [];
  let next: Chunk = first.read;
  for (;;) {
    if (next.done) return whole(response, held);
    held.push(next.value);
    const pending = source.read();
    const now = await Promise.race([pending, notYet]);
    if (now === NOT_YET) return streamed(response, source, held, pending, options);
    next = now;
  }
}

function isEventStream(response: Response): boolean {
  return (response.headers.get("content-type") ?? "").startsWith("text/event-stream");
}

/**
 * The first read, or the read still waiting when `openAfterMs` passes (or the client leaves) first: the
 * stream goes on from it, so no chunk is lost.
 */
async function firstRead(
  source: Source,
  options: PostOptions,
): Promise<{ read: Chunk } | { waiting: Promise<Chunk> }> {
  const read = source.read();
  const now = await Promise.race([read, notYet]);
  if (now !== NOT_YET) return { read: now };
  const { openAfterMs = POST_OPEN_AFTER_MS, signal } = options;
  if (signal?.aborted) return { waiting: read };
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  const quiet = new Promise<typeof NOT_YET>((resolve) => {
    timer = setTimeout(() => resolve(NOT_YET), openAfterMs);
    onAbort = () => resolve(NOT_YET);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
  try {
    const settled = await Promise.race([read, quiet]);
    return settled === NOT_YET ? { waiting: read } : { read: settled };
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener("abort", onAbort);
  }
}

/** The held chunks as one body (a single chunk as it is). */
function whole(response: Response, held: Uint8Array[]): Response {
  let body: Uint8Array | null = null;
  if (held.length === 1) body = held[0] ?? null;
  else if (held.length > 1) {
    body = new Uint8Array(held.reduce((n, c) => n + c.byteLength, 0));
    let at = 0;
    for (const chunk of held) {
      body.set(chunk, at);
      at += chunk.byteLength;
    }
  }
  return new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

/**
 * An open event stream over `source`: the held chunks first (or the opening comment when there are none),
 * then `pending` and the rest of the source; a comment every `keepAliveMs` while quiet.
 */
function streamed(
  response: Response,
  source: Source,
  held: Uint8Array[],
  pending: Promise<Chunk> | undefined,
  options: PrimeOptions,
): Response {
  const { keepAliveMs = KEEP_ALIVE_MS } = options;
  let timer: ReturnType<typeof setInterval> | undefined;
  let waiting = pending;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      if (held.length === 0) controller.enqueue(encoder.encode(": open\n\n"));
      for (const chunk of held) controller.enqueue(chunk);
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
        const next = waiting ?? source.read();
        waiting = undefined;
        const { done, value } = await next;
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
