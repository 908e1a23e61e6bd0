import type { TlsConfig } from "../config/schema.ts";
import type { Principal } from "../gateway/call-context.ts";

/** A certificate subject as `getPeerCertificate()` gives it: attribute → value (or values, when repeated). */
export type CertificateSubject = Readonly<Record<string, string | readonly string[] | undefined>>;

interface Rule {
  attributes: readonly (readonly [string, string])[];
  principal: Principal;
}

/** `CN=ci-bot, O=Acme` → its attribute pairs (values may not hold commas). */
function parseSubject(text: string): [string, string][] {
  return text.split(",").flatMap((part) => {
    const at = part.indexOf("=");
    if (at < 0) return [];
    return [[part.slice(0, at).trim(), part.slice(at + 1).trim()] as [string, string]];
  });
}

function has(subject: CertificateSubject, name: string, value: string): boolean {
  const actual = subject[name];
  return Array.isArray(actual) ? actual.includes(value) : actual === value;
}

/** One line naming a subject for logs: `O=Acme, CN=ci-bot`. */
export function subjectText(subject: CertificateSubject): string {
  return Object.entries(subject)
    .flatMap(([name, value]) => (Array.isArray(value) ? value : [value]).map((v) => `${name}=${v}`))
    .join(", ");
}

/**
 * The principals of verified client certificates (`server.tls.clients`): an entry matches a subject when
 * every attribute it names has that value; the entry naming the most attributes wins, then the first.
 */
export class ClientCertificates {
  readonly #rules: Rule[];

  constructor(clients: TlsConfig["clients"]) {
    this.#rules = Object.entries(clients)
      .map(([subject, entry]) => ({
        attributes: parseSubject(subject),
        principal: Object.freeze({
          id: `cert:${subject}`,
          scopes: Object.freeze([...entry.scopes]),
          ...(entry.rate !== undefined ? { rate: entry.rate } : {}),
        }),
      }))
      .sort((a, b) => b.attributes.length - a.attributes.length);
  }

  /** How many subjects are mapped. */
  get size(): number {
    return this.#rules.length;
  }

  /** The principal a verified certificate's subject stands for, or undefined when none is mapped. */
  principalOf(subject: CertificateSubject): Principal | undefined {
    return this.#rules.find((rule) => rule.attributes.every(([name, value]) => has(subject, name, value)))
      ?.principal;
  }
}

/** The principal of each request that came over a verified, mapped client certificate. */
const certified = new WeakMap<Request, Principal>();

/** Marks `request` as sent over a connection whose client certificate stands for `principal`. */
export function setCertificatePrincipal(request: Request, principal: Principal): void {
  certified.set(request, principal);
}

/** The principal `request`'s client certificate stands for, if any (see {@link setCertificatePrincipal}). */
export function certificatePrincipalOf(request: Request): Principal | undefined {
  return certified.get(request);
}
