import { sha256 } from "../digest.ts";

/**
 * The names replicas give things on the wire and in Redis. Pure and import-light: the session front end
 * uses them on every start, while the Redis classes load only with a `redis:` section.
 */

/** A JSON-RPC request id as the SDK makes them. */
export type Id = string | number;

const SEPARATOR = "/";

/**
 * The id a session's server-to-client request carries on the wire: the replica's name and the SDK's own
 * id, so a replica that receives the client's answer knows where the request waits.
 */
export function replicaRequestId(origin: string, id: Id): string {
  return `${origin}${SEPARATOR}${id}`;
}

/** The replica and SDK id in an id made by {@link replicaRequestId}, or undefined for any other id. */
export function parseReplicaRequestId(id: unknown): { origin: string; id: Id } | undefined {
  if (typeof id !== "string") return undefined;
  const at = id.indexOf(SEPARATOR);
  if (at <= 0) return undefined;
  const rest = id.slice(at + 1);
  return { origin: id.slice(0, at), id: /^\d{1,15}$/.test(rest) ? Number(rest) : rest };
}

/** A session id's name in Redis: never the id itself (a credential until it expires). */
export function sessionDigest(id: string): string {
  return sha256(id, "hex").slice(0, 32);
}
