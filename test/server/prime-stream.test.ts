import { describe, expect, test } from "bun:test";
import { answerPost, primeEventStream } from "../../src/server/http/prime-stream.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** An event-stream response whose body the test feeds by hand. */
function handFed(): { response: Response; send(text: string): void; end(): void } {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
  });
  return {
    response: new Response(body, { headers: { "content-type": "text/event-stream" } }),
    send: (text) => controller.enqueue(encoder.encode(text)),
    end: () => controller.close(),
  };
}

describe("primeEventStream", () => {
  test("opens at once by default, before any event", async () => {
    const fed = handFed();
    const primed = primeEventStream(fed.response);
    const reader = primed.body?.getReader();
    expect(decoder.decode((await reader?.read())?.value)).toBe(": open\n\n");
    fed.send("data: 1\n\n");
    expect(decoder.decode((await reader?.read())?.value)).toBe("data: 1\n\n");
    fed.end();
    expect((await reader?.read())?.done).toBe(true);
  });

  test("other responses pass through untouched", () => {
    const json = Response.json({ ok: true });
    expect(primeEventStream(json)).toBe(json);
  });
});

describe("answerPost", () => {
  test("an answer complete when it arrives goes out as one plain body, no comment before it", async () => {
    const fed = handFed();
    const answered = answerPost(fed.response, { openAfterMs: 60_000 });
    fed.send("event: message\ndata: {}\n\n");
    fed.end();
    // An hour-long wait would fail the test's own timeout: the answer alone must settle it.
    const response = await answered;
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    expect(await response.text()).toBe("event: message\ndata: {}\n\n");
  });

  test("events that arrive together before the end make one body", async () => {
    const fed = handFed();
    const answered = answerPost(fed.response, { openAfterMs: 60_000 });
    fed.send("data: progress\n\n");
    fed.send("data: result\n\n");
    fed.end();
    expect(await (await answered).text()).toBe("data: progress\n\ndata: result\n\n");
  });

  test("a stream that goes on after its first event stays a stream, in order", async () => {
    const fed = handFed();
    const answered = answerPost(fed.response, { openAfterMs: 60_000 });
    fed.send("data: progress\n\n");
    const response = await answered;
    const reader = response.body?.getReader();
    expect(decoder.decode((await reader?.read())?.value)).toBe("data: progress\n\n");
    fed.send("data: result\n\n");
    expect(decoder.decode((await reader?.read())?.value)).toBe("data: result\n\n");
    fed.end();
    expect((await reader?.read())?.done).toBe(true);
  });

  test("a stream still silent after openAfterMs opens with its comment and goes on", async () => {
    const fed = handFed();
    const response = await answerPost(fed.response, { openAfterMs: 5 });
    const reader = response.body?.getReader();
    expect(decoder.decode((await reader?.read())?.value)).toBe(": open\n\n");
    fed.send("data: late\n\n");
    expect(decoder.decode((await reader?.read())?.value)).toBe("data: late\n\n");
    await reader?.cancel();
  });

  test("a client gone stops the wait at once: the stream opens and can be cancelled", async () => {
    const fed = handFed();
    const gone = new AbortController();
    const answered = answerPost(fed.response, { openAfterMs: 60_000, signal: gone.signal });
    gone.abort();
    const response = await answered;
    const reader = response.body?.getReader();
    expect(decoder.decode((await reader?.read())?.value)).toBe(": open\n\n");
    await reader?.cancel();
  });

  test("an empty stream gives an empty body", async () => {
    const fed = handFed();
    const answered = answerPost(fed.response, { openAfterMs: 60_000 });
    fed.end();
    expect(await (await answered).text()).toBe("");
  });
});
