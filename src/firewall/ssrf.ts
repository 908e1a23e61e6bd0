import { lookup as dnsLookup } from "node:dns/promises";
import { GatewayError } from "../errors.ts";
import {
  type Address,
  type AddressClass,
  classifyAddress,
  formatAddress,
  inCidr,
  parseAddress,
  parseCidr,
} from "./ip-ranges.ts";

/** What the SSRF guard does with a destination it must not reach. */
export type SsrfPolicy = "off" | "warn" | "block";

/** The SSRF guard's settings for one backend (the `firewall` section merged with the backend's own). */
export interface SsrfSettings {
  /** @default "block" */
  policy: SsrfPolicy;
  /** Loopback, private (RFC 1918), CGNAT and unique-local addresses are allowed. @default false */
  allowPrivateNetworks: boolean;
  /** Host names (`api.corp`, `*.corp`), addresses and CIDRs always allowed. @default [] */
  allowHosts: readonly string[];
}

/** Resolves a host name to every address it has. */
export type LookupFn = (host: string) => Promise<string[]>;

/** The system resolver (`getaddrinfo`, so /etc/hosts counts), every address, in the resolver's order. */
export const systemLookup: LookupFn = async (host) =>
  (await dnsLookup(host, { all: true, verbatim: true })).map((a) => a.address);

/** Classes `allow_private_networks` opens; link-local (cloud metadata), multicast and the rest need `allow_hosts`. */
const PRIVATE_NETWORKS = new Set<AddressClass>(["loopback", "private", "cgnat", "unique-local"]);

/** A destination the guard refused (or, under `warn`, let through), for logs and metrics. */
export interface SsrfFinding {
  /** The backend whose request it was. */
  subject: string;
  /** The URL without query or user info. */
  url: string;
  address: string;
  addressClass: AddressClass;
  /** `redirect` when a server sent the request there, `argument` when a call's arguments chose the host. */
  via: "redirect" | "argument";
  refused: boolean;
}

/** A request the SSRF guard refused. */
export class SsrfRefusedError extends GatewayError {
  readonly finding: SsrfFinding;
  constructor(finding: SsrfFinding) {
    super(
      "ACCESS_DENIED",
      `the gateway's firewall refused ${finding.url}: ${finding.address} is a ${finding.addressClass} address` +
        ` (reached by ${finding.via === "redirect" ? "a redirect" : "the call's arguments"}; allow it with` +
        ` firewall.allow_hosts or allow_private_networks: true, see docs/firewall.md)`,
    );
    this.finding = finding;
  }
}

const listeners = new Set<(finding: SsrfFinding) => void>();

/** Hears every SSRF finding of this process (the firewall counts them); returns the unsubscribe. */
export function onSsrfFinding(listener: (finding: SsrfFinding) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Tells the listeners about a finding. */
export function reportSsrf(finding: SsrfFinding): void {
  for (const listener of listeners) listener(finding);
}

/** An `allow_hosts` entry that is neither a host name (optionally `*.`), an address nor a CIDR. */
export function invalidAllowEntry(entry: string): boolean {
  if (parseCidr(entry)) return false;
  return !/^(?:\*\.)?[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)*\.?$/i.test(
    entry,
  );
}

function hostAllowed(host: string, allow: readonly string[]): boolean {
  const h = host.toLowerCase().replace(/\.$/, "");
  return allow.some((entry) => {
    const e = entry.toLowerCase().replace(/\.$/, "");
    return e.startsWith("*.") ? h.endsWith(e.slice(1)) : h === e;
  });
}

/** The verdict on one destination: the addresses it resolved to, and the first one refused (if any). */
export interface Verdict {
  /** Every address of the host (empty when an allow-list name matched without resolving). */
  addresses: string[];
  refused?: { address: string; addressClass: AddressClass };
}

/**
 * Resolves a URL's host (every address) and finds one the gateway must not reach: loopback, private,
 * CGNAT, link-local (cloud metadata), unique-local, unspecified, multicast or reserved, IPv4 inside IPv6
 * (mapped, compatible, NAT64, 6to4) judged as the IPv4 address, unless the settings allow it.
 * @throws GatewayError BACKEND_UNAVAILABLE when the name does not resolve within `timeoutMs`
 */
export async function checkDestination(
  url: URL,
  settings: SsrfSettings,
  options: { lookup?: LookupFn; timeoutMs?: number; signal?: AbortSignal | undefined } = {},
): Promise<Verdict> {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (hostAllowed(host, settings.allowHosts)) return { addresses: [] };
  const literal = parseAddress(host);
  let addresses: Address[];
  if (literal) addresses = [literal];
  else {
    const lookup = options.lookup ?? systemLookup;
    const timeoutMs = options.timeoutMs ?? 5_000;
    let names: string[];
    try {
      names = await withDeadline(lookup(host), timeoutMs, options.signal);
    } catch (cause) {
      throw new GatewayError(
        "BACKEND_UNAVAILABLE",
        `cannot resolve ${host}: ${cause instanceof Error ? cause.message : String(cause)}`,
        { cause },
      );
    }
    addresses = names.map(parseAddress).filter((a): a is Address => a !== undefined);
    if (addresses.length === 0)
      throw new GatewayError("BACKEND_UNAVAILABLE", `cannot resolve ${host}: no address`);
  }
  const cidrs = settings.allowHosts.map(parseCidr).filter((c) => c !== undefined);
  const shown = addresses.map(formatAddress);
  for (const [i, address] of addresses.entries()) {
    const addressClass = classifyAddress(address);
    if (addressClass === undefined || cidrs.some((c) => inCidr(address, c))) continue;
    if (settings.allowPrivateNetworks && PRIVATE_NETWORKS.has(addressClass)) continue;
    return { addresses: shown, refused: { address: shown[i] ?? "", addressClass } };
  }
  return { addresses: shown };
}

function withDeadline<T>(work: Promise<T>, ms: number, signal: AbortSignal | undefined): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms}ms`)), ms);
    const abort = (): void => reject(signal?.reason ?? new Error("aborted"));
    signal?.addEventListener("abort", abort, { once: true });
    work.then(resolve, reject).finally(() => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", abort);
    });
  });
}
