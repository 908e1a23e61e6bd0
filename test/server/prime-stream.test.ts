import { describe, expect, test } from "bun:test";
import { primeEventStream } from "../../src/server/http/prime-stream.ts";

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

async function chunks(response: Response): Promise<string[]> {
  const out: string[] = [];
  const reader = response.body?.getReader();
  for (;;) {
    const next = await reader?.read();
    if (!next || next.done) return out;
    out.push(decoder.decode(next.value));
  }
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

  test("with openAfterMs, an answer that comes first goes out alone, with no comment before it", async () => {
    const fed = handFed();
    const primed = primeEventStream(fed.response, { openAfterMs: 60_000 });
    fed.send("event: message\ndata: {}\n\n");
    fed.end();
    // An hour-long wait would fail the test's own timeout: the stream must end on the answer alone.
    expect(await chunks(primed)).toEqual(["event: message\ndata: {}\n\n"]);
  });

  test("with openAfterMs, a stream still silent then gets its opening comment", async () => {
    const fed = handFed();
    const primed = primeEventStream(fed.response, { openAfterMs: 5 });
    const reader = primed.body?.getReader();
    expect(decoder.decode((await reader?.read())?.value)).toBe(": open\n\n");
    fed.send("data: late\n\n");
    expect(decoder.decode((await reader?.read())?.value)).toBe("data: late\n\n");
    await reader?.cancel();
  });

  test("other responses pass through untouched", () => {
    const json = Response.json({ ok: true });
    expect(primeEventStream(json)).toBe(json);
  });
});
