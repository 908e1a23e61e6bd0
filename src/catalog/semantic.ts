import { join } from "node:path";
import type { SearchConfig } from "../config/schema.ts";
import { type Embedder, httpEmbedder, localEmbedder } from "./embedder.ts";
import type { SearchSource } from "./ranker.ts";
import { ToolVectors } from "./vectors.ts";

/** Options of {@link toolVectorsFor}. */
export interface SemanticOptions {
  /** The gateway's cache folder; vectors go to `<cacheDir>/embeddings/` beside `manifests/`. */
  cacheDir: string;
  /** Told why the semantic signal is off (model missing, endpoint failing). */
  onError: (message: string) => void;
  /** @default localEmbedder */
  local?: () => Embedder;
}

/** The tool vectors the `search:` section asks for, or undefined when semantic search is off. */
export function toolVectorsFor(
  settings: SearchConfig,
  source: SearchSource,
  options: SemanticOptions,
): ToolVectors | undefined {
  const endpoint = settings.embeddings;
  // Opt-in: the local model costs ~220 MiB of memory and minutes of CPU for a large catalog; an endpoint the
  // user configured says they want it.
  if ((settings.semantic ?? (endpoint ? "auto" : "off")) === "off") return undefined;
  const embedder = endpoint
    ? httpEmbedder({
        url: endpoint.url,
        model: endpoint.model,
        ...(endpoint.api_key ? { apiKey: endpoint.api_key } : {}),
      })
    : (options.local ?? localEmbedder)();
  return new ToolVectors(source, embedder, {
    cacheDir: join(options.cacheDir, "embeddings"),
    onError: (message) => options.onError(`semantic search off, words only: ${message}`),
  });
}
