import type { BackendConfig } from "../config/schema.ts";
import type { FailsafePolicy, FailsafePolicyOptions } from "../failsafe/policy.ts";
import type { Cluster } from "./cluster.ts";

/**
 * What of a backend's failsafes replicas share. A remote (`http_url`) backend is one server every replica
 * calls: its rate limit and breaker are shared. A stdio backend is a process per replica, so its limit and
 * breaker stay per replica (one replica's crashed child says nothing about another's).
 */
export function sharedFailsafe(
  cluster: Cluster | undefined,
  backend: BackendConfig | undefined,
): FailsafePolicyOptions["shared"] {
  if (!cluster?.link || backend?.http_url === undefined) return undefined;
  return { buckets: cluster.buckets, circuits: cluster.circuits };
}

/**
 * Keeps this replica's breakers in step with the others: a state another replica announces is adopted
 * (creating the backend's policy if no call made it yet), a policy made later takes the stored open state,
 * and after Redis comes back every shared breaker re-reads it.
 */
export function followCircuits(
  cluster: Cluster | undefined,
  policies: {
    /** The policy of a backend (made on first use). */
    policy(server: string): FailsafePolicy;
    /** True for a backend whose breaker is shared (see {@link sharedFailsafe}). */
    shares(server: string): boolean;
    /** Backends with a policy already. */
    known(): Iterable<string>;
  },
): void {
  const circuits = cluster?.circuits;
  const link = cluster?.link;
  if (!circuits || !link) return;
  circuits.onRemote((backend, circuit) => {
    if (policies.shares(backend)) policies.policy(backend).adoptCircuit(circuit);
  });
  link.onRecover(() => {
    for (const server of policies.known()) {
      if (policies.shares(server)) catchUp(cluster, policies.policy(server), server);
    }
  });
}

/** Adopts the open state another replica stored for `server`, if any. */
export function catchUp(cluster: Cluster | undefined, policy: FailsafePolicy, server: string): void {
  void cluster?.circuits?.current(server).then((circuit) => {
    if (circuit) policy.adoptCircuit(circuit);
  });
}
