import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import $RefParser from "@apidevtools/json-schema-ref-parser";
import { parse as parseYaml, stringify } from "yaml";
import { z } from "zod";
import { errorMessage, GatewayError } from "../errors.ts";
import type { FetchFn } from "./execute.ts";
import { parseCapability } from "./load.ts";

/**
 * OpenAPI 3.0/3.1 and Swagger 2.0 → capability files, one per operation. `$ref`s (local, file and URL)
 * are resolved by @apidevtools/json-schema-ref-parser; this module only maps the resolved document.
 */

type Json = Record<string, unknown>;

const METHODS = ["get", "put", "post", "delete", "patch", "head"] as const;

/** The parts of a spec this importer reads; everything else is ignored. */
const SpecShape = z.looseObject({
  openapi: z.string().optional(),
  swagger: z.string().optional(),
  info: z
    .looseObject({ title: z.string().default("api"), version: z.string().optional() })
    .default({ title: "api" }),
  servers: z
    .array(
      z.looseObject({
        url: z.string(),
        variables: z.record(z.string(), z.looseObject({ default: z.unknown() })).optional(),
      }),
    )
    .optional(),
  host: z.string().optional(),
  basePath: z.string().optional(),
  schemes: z.array(z.string()).optional(),
  paths: z.record(z.string(), z.looseObject({})).default({}),
  security: z.array(z.record(z.string(), z.unknown())).optional(),
  components: z.looseObject({ securitySchemes: z.record(z.string(), z.unknown()).optional() }).optional(),
  securityDefinitions: z.record(z.string(), z.unknown()).optional(),
});

const Parameter = z.looseObject({
  name: z.string(),
  in: z.string(),
  required: z.boolean().optional(),
  description: z.string().optional(),
  schema: z.record(z.string(), z.unknown()).optional(),
  type: z.string().optional(),
  items: z.unknown().optional(),
  enum: z.array(z.unknown()).optional(),
  default: z.unknown().optional(),
  format: z.string().optional(),
});
type Parameter = z.infer<typeof Parameter>;

const SecurityScheme = z.looseObject({
  type: z.string(),
  in: z.string().optional(),
  name: z.string().optional(),
  scheme: z.string().optional(),
});

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
export interface ConvertOptions {
  /** Prepended to every name (`stripe` → `stripe_create_charge`). @default "" */
  prefix?: string;
  /** Key reference for secured operations. @default `env:<PREFIX or TITLE>_API_KEY` */
  authKey?: string;
  /** Where the spec came from, for relative server URLs and the header comment. */
  source?: string;
  /** Called every 50 operations with (done, total). */
  onProgress?: (done: number, total: number) => void;
}

/** snake_case from operationId, camelCase or any punctuation. */
export function snakeCase(text: string): string {
  return text
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
    .replace(/[^A-Za-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .toLowerCase();
}

function toolName(prefix: string, operationId: string | undefined, method: string, path: string): string {
  const base = operationId
    ? snakeCase(operationId)
    : snakeCase(`${method} ${path.replace(/\{([^}]+)\}/g, "by $1")}`);
  let name = prefix ? `${snakeCase(prefix)}_${base}` : base;
  if (name.length > 64) {
    const hash = new Bun.CryptoHasher("sha256").update(name).digest("hex").slice(0, 8);
    name = `${name.slice(0, 55)}_${hash}`;
  }
  return name || "operation";
}

function baseUrl(spec: z.infer<typeof SpecShape>, source: string | undefined): string | undefined {
  if (spec.swagger) {
    if (!spec.host)
      return source?.startsWith("http") ? new URL(spec.basePath ?? "/", source).href : undefined;
    const scheme = spec.schemes?.includes("https") ? "https" : (spec.schemes?.[0] ?? "https");
    return `${scheme}://${spec.host}${spec.basePath ?? ""}`;
  }
  const server = spec.servers?.[0];
  if (!server) return source?.startsWith("http") ? new URL("/", source).origin : undefined;
  const url = server.url.replace(/\{([^}]+)\}/g, (whole, name: string) => {
    const value = server.variables?.[name]?.default;
    return value === undefined ? whole : String(value);
  });
  if (/^https?:\/\//i.test(url)) return url;
  if (source?.startsWith("http")) return new URL(url, source).href;
  return undefined;
}

/** JSON Schema of one parameter (Swagger 2.0 keeps it on the parameter itself). */
function parameterSchema(p: Parameter): Json {
  const schema: Json = p.schema
    ? clone(p.schema)
    : Object.fromEntries(
        Object.entries({
          type: p.type,
          items: p.items,
          enum: p.enum,
          default: p.default,
          format: p.format,
        }).filter(([, v]) => v !== undefined),
      );
  if (p.description && schema.description === undefined) schema.description = p.description;
  return schema;
}

function clone<T>(value: T): T {
  // The dereferenced document shares objects between operations (and may hold $ref cycles, left as
  // $ref); a JSON copy keeps each file self-contained and free of YAML anchors.
  return JSON.parse(JSON.stringify(value)) as T;
}

function safeProperty(name: string, taken: Set<string>): string {
  let safe = name.replace(/[^A-Za-z0-9_.-]/g, "_").replace(/^([^A-Za-z_])/, "_$1");
  while (taken.has(safe)) safe = `${safe}_`;
  taken.add(safe);
  return safe;
}

function securityFor(
  spec: z.infer<typeof SpecShape>,
  operation: Json,
  key: string,
): { auth: Json | undefined; problem: string | undefined } {
  const requirements = (operation.security ?? spec.security) as Json[] | undefined;
  if (!requirements || requirements.length === 0) return { auth: undefined, problem: undefined };
  if (requirements.some((r) => Object.keys(r).length === 0)) return { auth: undefined, problem: undefined };
  const schemes = spec.components?.securitySchemes ?? spec.securityDefinitions ?? {};
  for (const requirement of requirements) {
    for (const schemeName of Object.keys(requirement)) {
      const parsed = SecurityScheme.safeParse(schemes[schemeName]);
      if (!parsed.success) continue;
      const s = parsed.data;
      if (s.type === "apiKey" && s.in === "header" && s.name)
        return { auth: { type: "api_key", key, header: s.name }, problem: undefined };
      if (s.type === "apiKey" && s.in === "query" && s.name)
        return { auth: { type: "api_key", key, param: s.name }, problem: undefined };
      if ((s.type === "http" && s.scheme?.toLowerCase() === "basic") || s.type === "basic")
        return { auth: { type: "basic", key }, problem: undefined };
      if (s.type === "http" || s.type === "oauth2" || s.type === "openIdConnect")
        return { auth: { type: "bearer", key }, problem: undefined };
    }
  }
  return { auth: undefined, problem: "its security scheme (cookie API key?) cannot be mapped to auth" };
}

function responseFormat(operation: Json, swagger: boolean): string | undefined {
  const responses = (operation.responses ?? {}) as Record<string, Json>;
  const ok = Object.entries(responses).find(([status]) => /^2/.test(status))?.[1];
  const types = swagger
    ? ((operation.produces as string[] | undefined) ?? [])
    : Object.keys((ok?.content as Json | undefined) ?? {});
  if (types.length === 0 || types.some((t) => /json/i.test(t))) return undefined;
  if (types.some((t) => /xml/i.test(t))) return "xml";
  if (types.some((t) => t.startsWith("text/"))) return "text";
  return "binary";
}

/** Converts one resolved spec into capability YAML documents (nothing is written). */
export function convertSpec(document: unknown, options: ConvertOptions = {}): ConversionResult {
  const parsed = SpecShape.safeParse(document);
  if (!parsed.success || (!parsed.data.openapi && !parsed.data.swagger)) {
    throw new GatewayError("USAGE", "not an OpenAPI 3.x or Swagger 2.0 document (no openapi/swagger field)");
  }
  const spec = parsed.data;
  const swagger = spec.swagger !== undefined;
  const prefix = options.prefix ?? "";
  const key = options.authKey ?? `env:${snakeCase(prefix || spec.info.title).toUpperCase() || "API"}_API_KEY`;
  const base = baseUrl(spec, options.source);
  const result: ConversionResult = { title: spec.info.title, capabilities: [], skipped: [] };
  const operations: [string, string, Json, Json][] = [];
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (operation && typeof operation === "object")
        operations.push([path, method, item, operation as Json]);
    }
  }
  const names = new Set<string>();
  for (const [index, [path, method, item, operation]] of operations.entries()) {
    if (index > 0 && index % 50 === 0) options.onProgress?.(index, operations.length);
    const label = `${method.toUpperCase()} ${path}`;
    const skip = (reason: string): void => {
      result.skipped.push({ operation: label, reason });
    };
    if (!base) {
      skip("the spec names no absolute server URL (add servers: or host:, or import from a URL)");
      continue;
    }
    let name = toolName(prefix, operation.operationId as string | undefined, method, path);
    while (names.has(name)) name = `${name}_2`;
    names.add(name);

    const merged = new Map<string, Parameter>();
    for (const raw of [
      ...((item.parameters as unknown[]) ?? []),
      ...((operation.parameters as unknown[]) ?? []),
    ]) {
      const p = Parameter.safeParse(raw);
      if (p.success) merged.set(`${p.data.in}:${p.data.name}`, p.data);
    }
    const taken = new Set<string>();
    const properties: Json = {};
    const required: string[] = [];
    const params: Json = {};
    const headers: Json = {};
    let pathTemplate = path;
    let body: unknown;
    let bodyContentType: string | undefined;
    let unsupported: string | undefined;
    for (const p of merged.values()) {
      if (p.in === "cookie") {
        unsupported = `cookie parameter "${p.name}" is not supported`;
        continue;
      }
      if (p.in === "body") {
        const schema = clone(p.schema ?? {});
        const prop = safeProperty(p.name, taken);
        properties[prop] = { ...schema, ...(p.description ? { description: p.description } : {}) };
        if (p.required) required.push(prop);
        body = `{${prop}}`;
        continue;
      }
      const prop = safeProperty(p.name, taken);
      properties[prop] = parameterSchema(p);
      if (p.required || p.in === "path") required.push(prop);
      if (p.in === "path") pathTemplate = pathTemplate.replaceAll(`{${p.name}}`, `{${prop}}`);
      else if (p.in === "query") params[p.name] = `{${prop}}`;
      else if (p.in === "header") headers[p.name] = `{${prop}}`;
      else if (p.in === "formData") {
        bodyContentType = "application/x-www-form-urlencoded";
        body = { ...((body as Json | undefined) ?? {}), [p.name]: `{${prop}}` };
      }
    }
    const requestBody = operation.requestBody as Json | undefined;
    if (requestBody && !swagger) {
      const content = (requestBody.content ?? {}) as Record<string, Json>;
      const jsonType = Object.keys(content).find((t) => /json/i.test(t));
      const formType = Object.keys(content).find((t) => t === "application/x-www-form-urlencoded");
      const chosen = jsonType ?? formType;
      if (!chosen) {
        unsupported = `request body ${Object.keys(content).join(", ") || "(none)"} is not supported (JSON and form bodies are)`;
      } else {
        const schema = clone((content[chosen]?.schema ?? {}) as Json);
        const bodyProps = (schema.properties ?? {}) as Json;
        const flat = schema.type === "object" || schema.properties !== undefined;
        const clash = Object.keys(bodyProps).some(
          (k) => taken.has(k) || !/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(k),
        );
        if (flat && !clash && Object.keys(bodyProps).length > 0) {
          const template: Json = {};
          for (const [k, v] of Object.entries(bodyProps)) {
            properties[k] = v;
            template[k] = `{${k}}`;
            taken.add(k);
          }
          for (const r of (schema.required as string[] | undefined) ?? [])
            if (r in bodyProps) required.push(r);
          body = template;
        } else {
          const prop = safeProperty("body", taken);
          properties[prop] = {
            ...schema,
            description: String(requestBody.description ?? schema.description ?? "Request body"),
          };
          if (requestBody.required) required.push(prop);
          body = `{${prop}}`;
        }
        if (chosen === formType && !jsonType) bodyContentType = formType;
      }
    }
    if (unsupported) {
      skip(unsupported);
      continue;
    }
    const security = securityFor(spec, operation, key);
    if (security.problem) {
      skip(security.problem);
      continue;
    }
    const readOnly = method === "get" || method === "head";
    const summary = String(operation.summary ?? operation.description ?? label).trim();
    const detail =
      operation.summary && operation.description ? ` ${String(operation.description).trim()}` : "";
    const description =
      `${summary}${detail}`.replace(/\s+/g, " ").slice(0, 400) +
      (operation.deprecated ? " (deprecated)" : "");
    const format = responseFormat(operation, swagger);
    const config: Json = {
      base_url: base.replace(/\/+$/, ""),
      path: pathTemplate,
      method: method.toUpperCase(),
      ...(Object.keys(headers).length > 0 ? { headers } : {}),
      ...(Object.keys(params).length > 0 ? { params } : {}),
      ...(body !== undefined ? { body } : {}),
      ...(bodyContentType ? { body_content_type: bodyContentType } : {}),
      ...(format ? { response_format: format } : {}),
    };
    const doc: Json = {
      fulcrum: "1.0",
      name,
      description,
      schema: {
        input: {
          type: "object",
          properties,
          ...(required.length > 0 ? { required: [...new Set(required)] } : {}),
        },
      },
      providers: { primary: { service: "rest", config } },
      ...(security.auth ? { auth: security.auth } : {}),
      metadata: {
        category: prefix || snakeCase(spec.info.title),
        tags: ((operation.tags as string[] | undefined) ?? []).map(String),
        read_only: readOnly,
        destructive: method === "delete",
        idempotent: method !== "post" && method !== "patch",
        open_world: true,
      },
    };
    const header = `# Imported from ${spec.info.title}${spec.info.version ? ` ${spec.info.version}` : ""}: ${label}\n`;
    const yaml = header + stringify(doc, { aliasDuplicateObjects: false, lineWidth: 0 });
    const check = parseCapability(yaml, { source: `${name}.yaml` });
    if (!check.ok) {
      skip(`the generated file would not validate: ${check.problems[0]}`);
      continue;
    }
    result.capabilities.push({ name, operation: label, yaml });
  }
  return result;
}

/** Reads a spec from a file or URL and resolves every `$ref` (local, relative file, URL). */
export async function loadSpec(source: string, options: { fetch?: FetchFn } = {}): Promise<unknown> {
  let text: string;
  let base: string;
  if (/^https?:\/\//i.test(source)) {
    const response = await (options.fetch ?? ((r: Request) => fetch(r)))(
      new Request(source, { signal: AbortSignal.timeout(30_000) }),
    );
    if (!response.ok) throw new GatewayError("USAGE", `cannot fetch ${source}: HTTP ${response.status}`);
    text = await response.text();
    base = source;
  } else {
    try {
      text = readFileSync(source, "utf8");
    } catch (cause) {
      throw new GatewayError("USAGE", `cannot read ${source}: ${errorMessage(cause)}`, { cause });
    }
    base = resolve(source);
  }
  let document: unknown;
  try {
    document = parseYaml(text, { maxAliasCount: -1 }) as unknown;
  } catch (cause) {
    throw new GatewayError("USAGE", `${source} is neither JSON nor YAML: ${errorMessage(cause)}`, { cause });
  }
  if (typeof document !== "object" || document === null)
    throw new GatewayError("USAGE", `${source} is not an OpenAPI document`);
  try {
    return await $RefParser.dereference(base, document as Json, {
      dereference: { circular: "ignore" },
      resolve: { http: { safeUrlResolver: false, timeout: 30_000 } },
    });
  } catch (cause) {
    throw new GatewayError("USAGE", `resolving $refs in ${source} failed: ${errorMessage(cause)}`, { cause });
  }
}

/** What `cap import` wrote and skipped. */
export interface ImportResult extends ConversionResult {
  written: string[];
}

/** Imports a spec into a directory of capability files; existing files are kept unless `force`. */
export async function importOpenApi(
  source: string,
  options: ConvertOptions & { output: string; force?: boolean; fetch?: FetchFn },
): Promise<ImportResult> {
  const document = await loadSpec(source, options.fetch ? { fetch: options.fetch } : {});
  const converted = convertSpec(document, { ...options, source });
  mkdirSync(options.output, { recursive: true });
  const written: string[] = [];
  for (const capability of converted.capabilities) {
    const file = join(options.output, `${capability.name}.yaml`);
    if (existsSync(file) && !options.force) {
      converted.skipped.push({
        operation: capability.operation,
        reason: `${file} exists (use --force to overwrite)`,
      });
      continue;
    }
    writeFileSync(file, capability.yaml);
    written.push(file);
  }
  return { ...converted, written };
}
