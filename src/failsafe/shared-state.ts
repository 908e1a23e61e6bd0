/** A token taken, or how long until one is there (the same shape as the local bucket's answer). */
export type SharedTake = { ok: true } | { ok: false; retryAfterMs: number };

/**
 * Token buckets shared by every replica of a gateway (see `src/cluster/`). Without one, each process keeps
 * its own buckets: the default, and what a replica falls back to while the shared store is unreachable.
 */
export interface SharedBuckets {
  /**
   * Takes one token from the bucket `key`, or says how long until one is there; undefined when the shared
   * store cannot answer in time (the caller takes from its local bucket instead).
   */
  take(key: string, limit: { requestsPerSecond: number; burst: number }): Promise<SharedTake | undefined>;
}

/** A breaker state one replica announces to the others. */
export type RemoteCircuit =
  | { state: "open"; retryAfterMs: number; failures: number; reason: string }
  | { state: "closed"; reason: string };

/** How a replica tells the others its circuit of a backend opened or closed. */
export interface SharedCircuits {
  /** Announces a state change made here (never one adopted from another replica). */
  announce(backend: string, circuit: RemoteCircuit): void;
}
