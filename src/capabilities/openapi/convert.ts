import { GatewayError } from "../../errors.ts";
import { KEY_REFERENCE } from "../schema.ts";
import { snakeCase, toolName, uniqueName } from "./naming.ts";
import { convertOperation } from "./operation.ts";
import { AUTH_TYPES, authOverride, declaresSecurity } from "./security.ts";
import { type OperationFilter, selectOperations } from "./select.ts";
import { operationLabel, operationsOf, type Spec, SpecShape } from "./spec.ts";

/** One capability the importer produced. */
export interface ImportedCapability {
  name: string;
  /** `METHOD /path` it came from. */
  operation: string;
  yaml: string;
}

/** What an import produced and what it left out, with why. */
export interface ConversionResult {
  title: string;
  capabilities: ImportedCapability[];
  skipped: { operation: string; reason: string }[];
}

/** Options shared by conversion and import. */
export interface ConvertOptions extends OperationFilter {
  /** Prepended to every name (`stripe` → `stripe_create_charge`). @default "" */
  prefix?: string;
  /** Key reference for secured operations. @default `env:<PREFIX or TITLE>_API_KEY` */
  authKey?: string;
  /** Send the key this way on every operation, whatever the spec declares: `bearer`, `basic`, `header:NAME` or `query:NAME`. */
  authType?: string;
  /** Base URL of the API instead of the spec's servers/host. */
  baseUrl?: string;
  /** Where the spec came from, for relative server URLs and the header comment. */
  source?: string;
  /** Called every 50 operations with (done, total). */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Converts one resolved spec into capability YAML documents, one per operation (nothing is written).
 * @throws GatewayError USAGE when the document is neither OpenAPI 3.x nor Swagger 2.0
 */
export function convertSpec(document: unknown, options: ConvertOptions = {}): ConversionResult {
  const parsed = SpecShape.safeParse(document);
  if (!parsed.success || (!parsed.data.openapi && !parsed.data.swagger)) {
    throw new GatewayError("USAGE", "not an OpenAPI 3.x or Swagger 2.0 document (no openapi/swagger field)");
  }
  const spec = parsed.data;
  const prefix = options.prefix ?? "";
  // Never echo the value: a secret pasted here must not land in a terminal log.
  if (options.authKey !== undefined && !KEY_REFERENCE.test(options.authKey))
    throw new GatewayError(
      "USAGE",
      "--auth-key must be a reference such as env:STRIPE_KEY or file:path:field, never the secret itself",
    );
  const key = options.authKey ?? `env:${snakeCase(prefix || spec.info.title).toUpperCase() || "API"}_API_KEY`;
  const base =
    options.baseUrl !== undefined ? checkedBaseUrl(options.baseUrl) : baseUrl(spec, options.source);
  const result: ConversionResult = { title: spec.info.title, capabilities: [], skipped: [] };
  const operations = selectOperations(operationsOf(spec), options);
  const auth = options.authType !== undefined ? authOverride(options.authType, key) : undefined;
  if (
    options.authKey !== undefined &&
    !auth &&
    !declaresSecurity(
      spec,
      operations.map((op) => op.operation),
    )
  )
    throw new GatewayError(
      "USAGE",
      `--auth-key ${options.authKey}: "${spec.info.title}" declares no security scheme for these operations, so no request would send the key; say how to send it with --auth-type ${AUTH_TYPES}, or leave --auth-key out`,
    );
  const names = new Set<string>();
  for (const [index, op] of operations.entries()) {
    if (index > 0 && index % 50 === 0) options.onProgress?.(index, operations.length);
    const label = operationLabel(op);
    if (!base) {
      result.skipped.push({
        operation: label,
        reason: "the spec names no absolute server URL (add servers: or host:, or import from a URL)",
      });
      continue;
    }
    const operationId = op.operation.operationId as string | undefined;
    const name = uniqueName(toolName(prefix, { operationId, method: op.method, path: op.path }), names);
    const converted = convertOperation(op, { spec, base, prefix, key, name, ...(auth ? { auth } : {}) });
    if ("skipped" in converted) result.skipped.push({ operation: label, reason: converted.skipped });
    else result.capabilities.push({ name, operation: label, yaml: converted.yaml });
  }
  return result;
}

/** `--base-url`: an absolute http(s) URL. @throws GatewayError USAGE otherwise */
function checkedBaseUrl(url: string): string {
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol))
    throw new GatewayError(
      "USAGE",
      `--base-url ${url}: expected an absolute http(s) URL, e.g. https://api.example.com/v1`,
    );
  return url;
}

/** The API's absolute base URL: Swagger's host + basePath, else the first server (variables at their
 * defaults); a relative one is taken against the URL the spec came from. */
function baseUrl(spec: Spec, source: string | undefined): string | undefined {
  const remote = source?.startsWith("http") ? source : undefined;
  if (spec.swagger) {
    if (!spec.host) return remote ? new URL(spec.basePath ?? "/", remote).href : undefined;
    const scheme = spec.schemes?.includes("https") ? "https" : (spec.schemes?.[0] ?? "https");
    return `${scheme}://${spec.host}${spec.basePath ?? ""}`;
  }
  const server = spec.servers?.[0];
  if (!server) return remote ? new URL("/", remote).origin : undefined;
  const url = server.url.replace(/\{([^}]+)\}/g, (whole, name: string) => {
    const value = server.variables?.[name]?.default;
    return value === undefined ? whole : String(value);
  });
  if (/^https?:\/\//i.test(url)) return url;
  return remote ? new URL(url, remote).href : undefined;
}
