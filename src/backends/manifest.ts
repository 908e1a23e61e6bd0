import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type {
  Prompt,
  Resource,
  ResourceTemplate,
  ServerCapabilities,
  Tool,
} from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import type { BackendConfig } from "../config/schema.ts";

/** What is remembered about a backend between runs, so search covers it before it starts. */
export interface Manifest {
  tools: Tool[];
  resources?: Resource[];
  resourceTemplates?: ResourceTemplate[];
  prompts?: Prompt[];
  capabilities?: ServerCapabilities;
  /** When the tools were listed live (ms since epoch). */
  listedAt: number;
}

const ManifestFile = z.object({
  version: z.literal(1),
  tools: z.array(z.looseObject({ name: z.string(), inputSchema: z.looseObject({}) })),
  resources: z.array(z.looseObject({ uri: z.string(), name: z.string() })).optional(),
  resourceTemplates: z.array(z.looseObject({ uriTemplate: z.string(), name: z.string() })).optional(),
  prompts: z.array(z.looseObject({ name: z.string() })).optional(),
  capabilities: z.looseObject({}).optional(),
  listedAt: z.number(),
});

/**
 * The identity of a backend's tool list: a hash of everything that decides which server runs (command,
 * args, URL, env and whether it inherits the gateway's, cwd). Change any of it and the old manifest no longer applies.
 */
export function manifestKey(name: string, config: BackendConfig): string {
  const parts: unknown[] = [config.command, config.args, config.http_url, config.env, config.cwd];
  // Appended only when set, so manifests written before the key existed still apply.
  if (config.inherit_env) parts.push({ inherit_env: true });
  const identity = JSON.stringify(parts);
  const hash = new Bun.CryptoHasher("sha256").update(identity).digest("hex").slice(0, 16);
  return `${name.replace(/[^A-Za-z0-9_.-]/g, "_")}-${hash}`;
}

/** Tool manifests on disk, one JSON file per backend identity. Errors never stop the gateway. */
export class ManifestStore {
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = join(dir, "manifests");
  }

  /** The stored manifest, or undefined when there is none or it cannot be read. */
  read(key: string): Manifest | undefined {
    try {
      // One parse per file at start: zod's compiled fast path would cost more to build than it saves.
      const text = readFileSync(join(this.#dir, `${key}.json`), "utf8");
      const parsed = ManifestFile.safeParse(JSON.parse(text), { jitless: true });
      if (!parsed.success) return undefined;
      const { version: _version, ...manifest } = parsed.data;
      return manifest as Manifest;
    } catch {
      return undefined;
    }
  }

  /** Writes atomically (temp file + rename), so a crash never leaves half a manifest. */
  write(key: string, manifest: Manifest): void {
    mkdirSync(this.#dir, { recursive: true });
    const path = join(this.#dir, `${key}.json`);
    const temp = `${path}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify({ version: 1, ...manifest }));
    renameSync(temp, path);
  }
}
