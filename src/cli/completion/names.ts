import { ManifestStore, manifestKey } from "../../backends/manifest.ts";
import { resolveSettings } from "../../config/resolve.ts";
import { cacheDir } from "../../user-dirs.ts";

/**
 * Words for completing `tools call SERVER TOOL`: the config's backend names, or one backend's tool names
 * from its manifest on disk. Nothing is started and nothing is asked over the network; any problem (no
 * config, an invalid one, no manifest yet) just means no words.
 */
export function completionNames(options: {
  config?: string | undefined;
  server?: string | undefined;
}): string[] {
  try {
    const { config } = resolveSettings({ config: options.config });
    if (options.server === undefined) return Object.keys(config.backends);
    const entry = config.backends[options.server];
    if (!entry) return [];
    const store = new ManifestStore(config.lifecycle.cache_dir ?? cacheDir());
    return store.read(manifestKey(options.server, entry))?.tools.map((t) => t.name) ?? [];
  } catch {
    return [];
  }
}
