import type { ConsolaInstance } from "consola";
import { GatewayError } from "../errors.ts";
import { redactUrl } from "../redact.ts";
import { parseAddress } from "./ip-ranges.ts";
import {
  checkDestination,
  type LookupFn,
  reportSsrf,
  type SsrfFinding,
  SsrfRefusedError,
  type SsrfSettings,
} from "./ssrf.ts";

/** `fetch` as the SDK transports and capabilities call it. */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** Options of {@link guardedFetch}. */
export interface GuardedFetchOptions {
  settings: SsrfSettings;
  /** The backend the requests belong to (logs, metrics). */
  subject: string;
  /**
   * True for a URL whose host the admin wrote (a backend's `http_url`, a capability file's base URL): it is
   * reached as written, private or not. Every other hop (a redirect elsewhere, a host made from a call's
   * arguments) is resolved and checked.
   */
  trusted: (url: URL) => boolean;
  /** @default globalThis.fetch */
  fetch?: (url: string, init: BunFetchRequestInit) => Promise<Response>;
  /** @default the system resolver */
  lookup?: LookupFn;
  /** Redirects followed before giving up. @default 5 */
  maxRedirects?: number;
  /** Where `warn` findings are logged. @default none */
  log?: ConsolaInstance | undefined;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Headers that go on to another origin; credentials (Authorization, Cookie, API-key headers) never do. */
const CROSS_ORIGIN_HEADERS = new Set([
  "accept",
  "accept-language",
  "cache-control",
  "content-type",
  "last-event-id",
  "mcp-protocol-version",
  "mcp-session-id",
  "user-agent",
]);

interface Hop {
  url: URL;
  method: string;
  headers: Headers;
  body: RequestInit["body"];
}

async function firstHop(
  input: string | URL | Request,
  init: RequestInit,
): Promise<Hop & { rest: BunFetchRequestInit }> {
  if (input instanceof Request) {
    const body = input.body ? await input.arrayBuffer() : null;
    const { headers, body: initBody, method, ...rest } = init;
    const merged = new Headers(input.headers);
    for (const [k, v] of new Headers(headers)) merged.set(k, v);
    return {
      url: new URL(input.url),
      method: method ?? input.method,
      headers: merged,
      body: initBody ?? body,
      rest: { signal: input.signal, redirect: input.redirect, ...rest },
    };
  }
  const { headers, body, method, ...rest } = init;
  return {
    url: new URL(String(input)),
    method: method ?? "GET",
    headers: new Headers(headers),
    body: body ?? null,
    rest,
  };
}

/** The URL and headers a checked hop is sent with: plain HTTP to a name goes to the address that was checked. */
/**
 * The URL, headers and TLS options a checked hop is sent with: to the address that was checked, the name in
 * `Host` and, for HTTPS, as the TLS server name (SNI and the certificate check use it, not the address).
 */
function pinned(
  hop: Hop,
  address: string | undefined,
  tls: BunFetchRequestInit["tls"],
): { url: URL; headers: Headers; tls?: BunFetchRequestInit["tls"] } {
  if (address === undefined) return { url: hop.url, headers: hop.headers, ...(tls ? { tls } : {}) };
  const url = new URL(hop.url.href);
  url.hostname = address.includes(":") ? `[${address}]` : address;
  const headers = new Headers(hop.headers);
  headers.set("host", hop.url.host);
  if (hop.url.protocol !== "https:") return { url, headers, ...(tls ? { tls } : {}) };
  return { url, headers, tls: { ...tls, serverName: hop.url.hostname } };
}

/**
 * A `fetch` with the SSRF guard: redirects are followed by hand (at most `maxRedirects`), and every hop
 * the admin did not write is resolved and refused when an address of it is internal (see `checkDestination`).
 * A checked hop connects to the address that was checked (HTTPS with the name as TLS server name, so SNI and
 * the certificate check are the name's), so a DNS answer that changes between check and connect
 * (rebinding) cannot move it. Credentials
 * stay behind when a redirect leaves the origin; 303 (and 301/302 after POST) become GET.
 * @throws SsrfRefusedError (ACCESS_DENIED) under `block`; GatewayError BACKEND_UNAVAILABLE on too many redirects
 */
export function guardedFetch(options: GuardedFetchOptions): FetchLike {
  const inner = options.fetch ?? ((url: string, init: BunFetchRequestInit) => fetch(url, init));
  const max = options.maxRedirects ?? 5;
  const { settings } = options;
  return async (input, init = {}) => {
    if (settings.policy === "off") {
      return input instanceof Request
        ? inner(input.url, { ...requestInit(input), ...init })
        : inner(String(input), init);
    }
    const hop = await firstHop(input, init);
    const { tls, ...rest } = hop.rest;
    const mode = rest.redirect ?? "follow";
    for (let count = 0; ; count++) {
      const address = options.trusted(hop.url)
        ? undefined
        : await check(hop.url, count === 0 ? "argument" : "redirect");
      const target = pinned(hop, address, tls);
      const response = await inner(target.url.href, {
        ...rest,
        method: hop.method,
        headers: target.headers,
        body: hop.body,
        redirect: "manual",
        ...(target.tls ? { tls: target.tls } : {}),
      });
      const location = response.headers.get("location");
      if (!REDIRECTS.has(response.status) || location === null || mode === "manual") return response;
      await response.body?.cancel().catch(() => undefined);
      if (mode === "error") throw new TypeError(`${redactUrl(hop.url)} redirected (redirect: "error")`);
      if (count >= max)
        throw new GatewayError("BACKEND_UNAVAILABLE", `${redactUrl(hop.url)}: more than ${max} redirects`);
      const next = new URL(location, hop.url);
      if (next.protocol !== "http:" && next.protocol !== "https:")
        throw new GatewayError(
          "BACKEND_UNAVAILABLE",
          `${redactUrl(hop.url)} redirected to a ${next.protocol} URL`,
        );
      if (response.status === 303 ? hop.method !== "HEAD" : response.status <= 302 && hop.method === "POST") {
        hop.method = "GET";
        hop.body = null;
        hop.headers.delete("content-type");
        hop.headers.delete("content-length");
      } else if (hop.body instanceof ReadableStream) {
        throw new GatewayError("BACKEND_UNAVAILABLE", `${redactUrl(hop.url)} redirected a streamed body`);
      }
      const downgrade = hop.url.protocol === "https:" && next.protocol === "http:";
      if (next.origin !== hop.url.origin || downgrade) {
        for (const name of [...hop.headers.keys()])
          if (!CROSS_ORIGIN_HEADERS.has(name)) hop.headers.delete(name);
      }
      hop.url = next;
    }
  };

  /** Checks one hop; the address to connect to when it passed, undefined when not to pin. */
  async function check(url: URL, via: SsrfFinding["via"]): Promise<string | undefined> {
    const verdict = await checkDestination(url, settings, options.lookup ? { lookup: options.lookup } : {});
    // An address written in the URL needs no pinning; a name is sent to the address that was checked.
    if (!verdict.refused) return parseAddress(url.hostname) ? undefined : verdict.addresses[0];
    const finding: SsrfFinding = {
      subject: options.subject,
      url: redactUrl(`${url.origin}${url.pathname}`),
      ...verdict.refused,
      via,
      refused: settings.policy === "block",
    };
    reportSsrf(finding);
    if (finding.refused) throw new SsrfRefusedError(finding);
    options.log?.warn(
      `request to ${finding.url} reaches ${finding.address} (${finding.addressClass}, by ${via}): passed on (ssrf: warn)`,
    );
    return undefined;
  }
}

function requestInit(request: Request): RequestInit {
  return {
    method: request.method,
    headers: request.headers,
    body: request.body,
    signal: request.signal,
    redirect: request.redirect,
  };
}

/** The SSRF guard's defaults: internal addresses refused, none allowed. */
export const DEFAULT_SSRF: SsrfSettings = { policy: "block", allowPrivateNetworks: false, allowHosts: [] };

/**
 * An HTTP backend's `fetch`: its configured host (the admin wrote it) is reached as written, a redirect to
 * any other host is checked by the SSRF guard.
 */
export function backendFetch(
  url: URL,
  options: {
    settings?: SsrfSettings | undefined;
    subject?: string | undefined;
    fetch?: typeof fetch | undefined;
    log?: ConsolaInstance | undefined;
  },
): typeof fetch {
  const inner = options.fetch;
  const guarded = guardedFetch({
    settings: options.settings ?? DEFAULT_SSRF,
    subject: options.subject ?? url.host,
    log: options.log,
    // The same host and port (an http→https upgrade on default ports included); another port is another service.
    trusted: (hop) => hop.hostname === url.hostname && hop.port === url.port,
    ...(inner ? { fetch: (target: string, init: BunFetchRequestInit) => inner(target, init) } : {}),
  });
  return Object.assign(guarded, { preconnect: fetch.preconnect });
}
