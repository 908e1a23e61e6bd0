import type { Cluster, ClusterOptions } from "./cluster.ts";
import { clusterWanted, type RedisConfig } from "./config.ts";

/**
 * The cluster a config asks for (`redis:`, or the session secret in the environment), or undefined. The
 * Redis side (`cluster.ts` and everything it imports) is loaded only then: a lone gateway starts without it.
 */
export async function openCluster(
  config: RedisConfig | undefined,
  options: ClusterOptions,
): Promise<Cluster | undefined> {
  if (!clusterWanted(config, options.env ?? process.env)) return undefined;
  const { Cluster } = await import("./cluster.ts");
  return Cluster.fromConfig(config, options);
}
