import { GatewayError } from "../errors.ts";
import { VERSION } from "../version.ts";
import { applyAuth, type CredentialSources } from "./auth.ts";
import type { CapabilityDefinition, ProviderDefinition } from "./schema.ts";
import { asText, fillString, fillValue, placeholders, type TemplateScope } from "./template.ts";

/** Everything `fetch` needs for one capability call. */
export interface CapabilityRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: string | undefined;
}

const BODY_METHODS = new Set(["POST", "PUT", "PATCH"]);

function pathTemplate(provider: ProviderDefinition, args: Record<string, unknown>): string {
  const config = provider.config;
  let path = config.path;
  const selector = config.path_selector;
  if (selector) {
    const choice = asText(args[selector.parameter]) ?? selector.default;
    const chosen = selector.paths[choice];
    if (chosen === undefined) {
      const options = Object.keys(selector.paths).join(", ");
      throw new GatewayError("INVALID_ARGUMENTS", `${selector.parameter}: must be one of ${options}`);
    }
    path = chosen;
  }
  if (config.endpoint) return config.endpoint;
  const base = (config.base_url ?? "").replace(/\/+$/, "");
  if (path === "") return base;
  return `${base}${path.startsWith("/") || path.startsWith("?") ? "" : "/"}${path}`;
}

/** `.` or `..`, however spelt: the URL parser resolves these (`%2e` included) against the segments before. */
function isDotSegment(segment: string): boolean {
  const dots = segment.replace(/%2e/gi, ".");
  return dots === "." || dots === "..";
}

/**
 * Refuses a `.`/`..` path segment made from arguments: `new URL` would resolve it and the request, with
 * its credential, would leave the capability's path (`/v1/items/{id}` with id `..` → `/v1/`). Values are
 * percent-encoded (`/` too), so the filled URL has the template's segments, one for one.
 * @throws GatewayError INVALID_ARGUMENTS naming the placeholders of that segment
 */
function assertNoDotSegments(template: string, filled: string): void {
  const pathPart = (url: string): string[] => (url.split(/[?#]/, 1)[0] ?? "").split("/");
  const wanted = pathPart(template);
  for (const [index, segment] of pathPart(filled).entries()) {
    const own = wanted[index] ?? "";
    if (!isDotSegment(segment) || segment === own) continue;
    const names = [...own.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).join(", ");
    throw new GatewayError(
      "INVALID_ARGUMENTS",
      `${names}: "${segment}" cannot be a URL path segment (it would move the request off ${template})`,
    );
  }
}

function formBody(value: unknown): string {
  const form = new URLSearchParams();
  if (typeof value === "object" && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      const text = asText(item);
      if (text !== undefined) form.append(key, text);
    }
  }
  return form.toString();
}

/**
 * Builds the HTTP request for one call of a capability through one of its providers. Arguments are
 * assumed already validated. Rules, in order:
 * - `static_params` are default arguments (the caller's win);
 * - `{name}` in the URL is filled and percent-encoded; a missing one is an error naming it, and so is
 *   one that makes a `.` or `..` path segment;
 * - `params` is the query template: a value whose placeholders are unfilled is dropped;
 *   `param_map` renames arguments into query parameters;
 * - without a `params` template, GET/HEAD/DELETE send the remaining arguments as the query; with one,
 *   only remaining static_params are added;
 * - POST/PUT/PATCH send `body` filled in, or else the remaining arguments as a JSON object;
 * - GraphQL posts `{query, variables}` with every argument as a variable;
 * - the credential from `auth` goes in its header or query parameter last.
 * @throws GatewayError INVALID_ARGUMENTS naming the field or credential that is missing
 */
export function buildRequest(
  definition: CapabilityDefinition,
  options: CredentialSources & { provider?: ProviderDefinition; args: Record<string, unknown> },
): CapabilityRequest {
  const provider = options.provider ?? definition.providers.primary;
  const config = provider.config;
  const args = { ...config.static_params, ...options.args };
  const scope: TemplateScope = { args, env: options.env, used: new Set() };

  const template = pathTemplate(provider, args);
  const filled = fillString(template, scope, encodeURIComponent);
  if (filled.unfilled.length > 0) {
    const names = filled.unfilled.map((n) => `"${n}"`).join(", ");
    throw new GatewayError(
      "INVALID_ARGUMENTS",
      `${filled.unfilled[0]}: is required (the URL needs ${names})`,
    );
  }
  assertNoDotSegments(template, filled.text);
  const url = new URL(filled.text);

  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(config.headers)) {
    const header = fillString(value, scope);
    if (header.unfilled.length === 0) headers[name] = header.text;
  }

  const isGraphql = provider.service === "graphql";
  const method = isGraphql ? "POST" : config.method;
  const explicitQuery = Object.keys(config.params).length > 0;
  for (const [name, value] of Object.entries(config.params)) {
    const param = fillString(value, scope);
    if (param.unfilled.length === 0 && param.text !== "" && param.text !== "null")
      url.searchParams.append(name, param.text);
  }
  for (const [from, to] of Object.entries(config.param_map)) {
    const text = asText(args[from]);
    scope.used.add(from);
    if (text !== undefined && text !== "") url.searchParams.append(to, text);
  }

  // Arguments named by the body template count as used before the leftovers are chosen.
  if (typeof config.body === "string") for (const name of placeholders(config.body)) scope.used.add(name);
  else if (config.body !== undefined)
    for (const name of placeholders(JSON.stringify(config.body))) scope.used.add(name);

  // What no template consumed: the query of a GET, or the JSON body of a POST.
  const leftovers = (): [string, unknown][] =>
    Object.entries(args).filter(
      ([name, value]) => !scope.used.has(name) && value !== undefined && value !== null,
    );

  let body: string | undefined;
  if (isGraphql) {
    const query =
      config.query ??
      (typeof config.body === "string"
        ? config.body
        : String((config.body as { query?: unknown })?.query ?? ""));
    body = JSON.stringify({ query, variables: args });
    headers["Content-Type"] ??= "application/json";
  } else if (BODY_METHODS.has(method)) {
    const contentType = config.body_content_type ?? "application/json";
    let payload: unknown;
    if (config.body !== undefined) payload = fillValue(config.body, scope);
    else payload = Object.fromEntries(leftovers());
    if (typeof payload === "string") body = payload;
    else if (contentType.includes("x-www-form-urlencoded")) body = formBody(payload);
    else body = JSON.stringify(payload ?? {});
    headers["Content-Type"] ??=
      typeof payload === "string" && !config.body_content_type ? "text/plain" : contentType;
  } else {
    for (const [name, value] of leftovers()) {
      // With a query template, only fixed static_params join it; other arguments went where it said.
      if (explicitQuery && !(name in config.static_params)) continue;
      const text = asText(value);
      if (text !== undefined && text !== "") url.searchParams.append(name, text);
    }
  }

  const placement = applyAuth(definition.name, definition.auth, options);
  if (placement.kind === "header") headers[placement.name] = placement.value;
  if (placement.kind === "query") url.searchParams.set(placement.name, placement.value);

  const lower = new Set(Object.keys(headers).map((h) => h.toLowerCase()));
  if (!lower.has("user-agent")) headers["User-Agent"] = `mcp-gateway/${VERSION}`;
  if (!lower.has("accept")) {
    const format = config.response_format;
    headers.Accept =
      format === "json" ? "application/json" : format === "xml" ? "application/xml, text/xml, */*" : "*/*";
  }
  return { method, url, headers, body };
}
