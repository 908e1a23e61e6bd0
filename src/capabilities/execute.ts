import type { ConsolaInstance } from "consola";
import { errorMessage, isGatewayError } from "../errors.ts";
import { DEFAULT_SSRF, guardedFetch } from "../firewall/guarded-fetch.ts";
import { type LookupFn, SsrfRefusedError, type SsrfSettings } from "../firewall/ssrf.ts";
import { withTraceHeader } from "../telemetry/trace-context.ts";
import { checkArguments } from "./arguments.ts";
import type { CredentialSources } from "./auth.ts";
import type { Capability } from "./load.ts";
import { buildRequest, type CapabilityRequest } from "./request.ts";
import { errorResult, excerpt, type ToolResult, toResult } from "./response.ts";
import type { ProviderDefinition } from "./schema.ts";

/** The `fetch` shape capabilities need; tests inject one. */
export type FetchFn = (input: Request) => Promise<Response>;

/** How capabilities reach the outside world. */
export interface ExecuteOptions extends CredentialSources {
  /** @default globalThis.fetch */
  fetch?: FetchFn;
  /** Timeout when the provider sets none, in ms. @default 30000 */
  defaultTimeoutMs?: number;
  /** Result cache shared across calls (read-only capabilities with cache.ttl only). */
  cache?: ResultCache;
  /** @default Date.now */
  now?: () => number;
  /**
   * The SSRF guard for redirects and hosts made from arguments (a base URL as written is reached as
   * written). @default block, nothing internal allowed
   */
  ssrf?: SsrfSettings;
  /** Resolver of the SSRF guard. @default the system resolver */
  lookup?: LookupFn;
  /** Backend name in SSRF findings. @default "capabilities" */
  subject?: string;
  /** Where SSRF findings under `warn` are logged. @default none */
  log?: ConsolaInstance | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * Which hosts a provider's requests may reach as written: the host of its URL template when no argument
 * fills it (`{env.X}` is the admin's), any host under a written domain when arguments fill only labels in
 * front of it (`https://{lang}.wikipedia.org`); false for anything else (`https://{host}/`).
 */
export function writtenHost(provider: ProviderDefinition, filled: URL): (url: URL) => boolean {
  const template = provider.config.endpoint ?? provider.config.base_url ?? "";
  const authority = (/^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(template)?.[1] ?? "").replace(
    /\{env\.[^}]*\}/g,
    "",
  );
  const host = authority.slice(authority.lastIndexOf("@") + 1).replace(/:[^:\]]*$/, "");
  // Same port too: another port of a written host is another service.
  if (!host.includes("{")) return (url) => url.hostname === filled.hostname && url.port === filled.port;
  const suffix = host.slice(host.lastIndexOf("}") + 1).toLowerCase();
  if (/^\.[^.{}]+\.[^{}]+$/.test(suffix))
    return (url) => url.hostname.endsWith(suffix) && url.port === filled.port;
  return () => false;
}

/** A small TTL cache of tool results keyed by capability and arguments. */
export class ResultCache {
  readonly #entries = new Map<string, { expires: number; result: ToolResult }>();
  readonly #max: number;

  /** @param max entries kept before the oldest is dropped. */
  constructor(max = 500) {
    this.#max = max;
  }

  get(key: string, now: number): ToolResult | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expires <= now) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.result;
  }

  set(key: string, result: ToolResult, expires: number): void {
    this.#entries.delete(key);
    this.#entries.set(key, { expires, result });
    if (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }

  clear(): void {
    this.#entries.clear();
  }
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** URL for messages: no query string, which may carry a credential. */
function shown(request: CapabilityRequest): string {
  return `${request.method} ${request.url.origin}${request.url.pathname}`;
}

type Attempt = { result: ToolResult; retryable: boolean };

async function attempt(
  capability: Capability,
  provider: ProviderDefinition,
  args: Record<string, unknown>,
  options: ExecuteOptions,
): Promise<Attempt> {
  const name = capability.definition.name;
  let request: CapabilityRequest;
  try {
    request = buildRequest(capability.definition, { ...options, provider, args });
  } catch (err) {
    if (isGatewayError(err, "INVALID_ARGUMENTS"))
      return { result: errorResult(`${name}: ${err.message.replace(`${name}: `, "")}`), retryable: false };
    throw err;
  }
  const timeoutMs = provider.config.timeout ?? provider.timeout ?? options.defaultTimeoutMs ?? 30_000;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const injected = options.fetch;
  const guarded = guardedFetch({
    settings: options.ssrf ?? DEFAULT_SSRF,
    subject: options.subject ?? "capabilities",
    trusted: writtenHost(provider, request.url),
    // Without an injected fetch the guard calls fetch itself: a Request would drop its TLS server name.
    ...(injected ? { fetch: (url: string, init: RequestInit) => injected(new Request(url, init)) } : {}),
    ...(options.lookup ? { lookup: options.lookup } : {}),
    log: options.log,
  });
  let response: Response;
  try {
    response = await guarded(request.url.href, {
      method: request.method,
      headers: withTraceHeader(request.headers),
      body: request.body ?? null,
      signal,
    });
  } catch (err) {
    if (options.signal?.aborted) return { result: errorResult(`${name}: cancelled`), retryable: false };
    if (err instanceof SsrfRefusedError)
      return { result: errorResult(`${name}: ${err.message}`), retryable: false };
    if (timeout.aborted) {
      return {
        result: errorResult(`${name}: ${shown(request)} did not answer within ${timeoutMs}ms`),
        retryable: true,
      };
    }
    return {
      result: errorResult(`${name}: ${shown(request)} failed: ${errorMessage(err)}`),
      retryable: true,
    };
  }
  if (!response.ok) {
    const body = await response.text().catch(() => "");
    const status = `${response.status}${response.statusText ? ` ${response.statusText}` : ""}`;
    const hint =
      response.status === 401 || response.status === 403 ? " (check the credential in auth.key)" : "";
    return {
      result: errorResult(
        `${name}: ${shown(request)} answered HTTP ${status}${hint}: ${excerpt(body) || "(empty body)"}`,
      ),
      retryable: response.status >= 500 || response.status === 429,
    };
  }
  const config = provider.config;
  let result: ToolResult;
  try {
    result = await toResult(response, {
      format: config.response_format,
      responsePath: config.response_path,
      structured: capability.tool.outputSchema !== undefined,
    });
  } catch (err) {
    return {
      result: errorResult(`${name}: reading the answer of ${shown(request)} failed: ${errorMessage(err)}`),
      retryable: true,
    };
  }
  if (result.isError)
    result = errorResult(`${name}: ${String((result.content[0] as { text?: string }).text)}`);
  return { result, retryable: false };
}

/**
 * Runs a capability once: checks the arguments against `schema.input`, builds the request, calls the
 * primary provider and, on a network failure, timeout, 429 or 5xx, each fallback in turn. Every failure
 * is an `isError` result naming the field, the credential or the HTTP status with a body excerpt.
 */
export async function executeCapability(
  capability: Capability,
  args: Record<string, unknown>,
  options: ExecuteOptions,
): Promise<ToolResult> {
  const definition = capability.definition;
  const checked = checkArguments(definition.schema.input, args);
  if (!checked.ok) return errorResult(`${definition.name}: invalid arguments: ${checked.errors.join("; ")}`);
  const now = options.now ?? Date.now;
  const key = capability.cacheTtlMs > 0 ? `${definition.name}\u0000${stableJson(checked.value)}` : undefined;
  if (key !== undefined) {
    const hit = options.cache?.get(key, now());
    if (hit) return hit;
  }
  const providers = [definition.providers.primary, ...definition.providers.fallback];
  let outcome: Attempt | undefined;
  for (const provider of providers) {
    outcome = await attempt(capability, provider, checked.value, options);
    if (!outcome.retryable || options.signal?.aborted) break;
  }
  const result = outcome?.result ?? errorResult(`${definition.name}: has no provider`);
  if (key !== undefined && !result.isError) options.cache?.set(key, result, now() + capability.cacheTtlMs);
  return result;
}
