import { z } from "zod";
import { Duration } from "../config/schema.ts";

/**
 * The capability file format (`fulcrum: "1.0"`), compatible with the Rust edition's files. Keys that
 * edition reads but this one does not act on are accepted (listed in IGNORED_KEYS) so existing files
 * load unchanged; any other key is an error with a did-you-mean.
 */

/** Tool names: what MCP allows, capped at 64 so every model API accepts them. */
export const CAPABILITY_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** `env:VAR`, `file:path` or `file:path:field`, or the bare `VAR` older files use. */
export const KEY_REFERENCE =
  /^(env:[A-Za-z_][A-Za-z0-9_]*|file:.+|[A-Z_][A-Z0-9_]*|\{env\.[A-Za-z_][A-Za-z0-9_]*\})$/;

const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

const Scalar = z.union([z.string(), z.number(), z.boolean()]).transform(String);

/** A JSON Schema object; only its outer shape is checked here, arguments are checked at call time. */
const JsonSchemaObject = z.record(z.string(), z.unknown());

export const RestConfigSchema = z.strictObject({
  base_url: z.string().optional().describe("Scheme and host, e.g. https://api.example.com"),
  path: z.string().default("").describe("Path template with {param} placeholders"),
  path_selector: z
    .strictObject({
      parameter: z.string().min(1),
      default: z.string().default(""),
      paths: z.record(z.string(), z.string()),
    })
    .optional()
    .describe("Pick the path template from an enum-like argument"),
  endpoint: z.string().optional().describe("Full URL template; used instead of base_url + path"),
  method: z
    .string()
    .default("GET")
    .transform((m) => m.toUpperCase())
    .pipe(z.enum(HTTP_METHODS)),
  headers: z.record(z.string(), Scalar).default({}),
  params: z
    .record(z.string(), Scalar)
    .default({})
    .describe("Query template; an unfilled value drops the key"),
  param_map: z.record(z.string(), z.string()).default({}).describe("Argument name → query parameter name"),
  static_params: z.record(z.string(), z.unknown()).default({}).describe("Fixed arguments; the caller's win"),
  body: z.unknown().optional().describe("Body template; without it, unused arguments form a JSON body"),
  body_content_type: z.string().optional(),
  response_path: z.string().optional().describe("Dot path into the response, e.g. data.items.0"),
  response_format: z
    .string()
    .default("json")
    .transform((f) => (f === "" ? "json" : f.toLowerCase()))
    .pipe(z.enum(["json", "text", "xml", "binary"])),
  timeout: Duration.optional().describe("Request timeout (plain numbers are seconds)"),
  query: z.string().optional().describe("GraphQL query (service: graphql)"),
});

export const ProviderSchema = z.strictObject({
  service: z
    .string()
    .default("rest")
    .transform((s) => (s === "" ? "rest" : s))
    .pipe(
      z.enum(["rest", "graphql"], {
        error: "service must be rest or graphql (cli, mcp and jsonrpc are not supported)",
      }),
    ),
  config: RestConfigSchema,
  timeout: Duration.optional().describe("Request timeout (plain numbers are seconds)"),
  cost_per_call: z.number().optional(),
});

type ProviderOutput = z.output<typeof ProviderSchema>;

export const AuthSchema = z.strictObject({
  type: z
    .string()
    .default("none")
    .transform((t) => (t === "" ? "none" : t.toLowerCase()))
    .pipe(
      z.enum(["api_key", "bearer", "basic", "none"], {
        error: "auth.type must be api_key, bearer, basic or none",
      }),
    ),
  required: z
    .boolean()
    .optional()
    .describe("Refuse to call without the credential (default: true unless type none)"),
  key: z
    .string()
    .regex(
      KEY_REFERENCE,
      "auth.key must be a reference such as env:VAR or file:path:field, never the secret itself",
    )
    .optional(),
  header: z.string().optional().describe("Header carrying the credential (default Authorization)"),
  prefix: z.string().optional().describe("Text before the credential, e.g. Bearer or Token"),
  param: z.string().optional().describe("Send the credential as this query parameter instead of a header"),
  description: z.string().optional().describe("Where to get the credential; shown when it is missing"),
  scopes: z.array(z.string()).optional(),
  token_endpoint: z.string().optional(),
});

export const CacheSchema = z.strictObject({
  ttl: Duration.default(0).describe("How long a read-only result is reused (plain numbers are seconds)"),
  strategy: z.string().optional(),
  key_template: z.string().optional(),
});

export const MetadataSchema = z.strictObject({
  category: z.string().default(""),
  tags: z.array(z.string()).default([]),
  read_only: z.boolean().optional(),
  destructive: z.boolean().optional(),
  idempotent: z.boolean().optional(),
  open_world: z.boolean().optional(),
  title: z.string().optional(),
  cost_category: z.string().optional(),
  execution_time: z.string().optional(),
  produces: z.array(z.string()).optional(),
  consumes: z.array(z.string()).optional(),
  chains_with: z.array(z.string()).optional(),
  exposure: z.string().optional(),
  identity_owner: z.unknown().optional(),
  registers_external_callback: z.boolean().optional(),
});

/** Top-level keys of the Rust edition this edition accepts but does not act on. */
export const IGNORED_KEYS = [
  "transform",
  "response_transform",
  "projection",
  "webhooks",
  "visible_in_states",
] as const;

/** The capability file's top-level object, before cross-field checks. */
export const CapabilityObjectSchema = z.strictObject({
  fulcrum: z
    .union([z.string(), z.number()])
    .transform(String)
    .pipe(z.string().regex(/^1(\.\d+)?$/, 'fulcrum must be "1.0"'))
    .default("1.0"),
  name: z.string().regex(CAPABILITY_NAME, "name uses letters, digits, _ . - (max 64)"),
  description: z.string().trim().min(1, "description must say what the tool does"),
  schema: z
    .strictObject({
      input: JsonSchemaObject.default({ type: "object" }),
      output: JsonSchemaObject.optional(),
    })
    .default({ input: { type: "object" } }),
  providers: z
    .object({ primary: ProviderSchema, fallback: z.array(ProviderSchema).optional() })
    .catchall(ProviderSchema)
    .transform((providers) => {
      const { primary, fallback, ...others } = providers;
      return { primary, fallback: [...Object.values(others), ...(fallback ?? [])] as ProviderOutput[] };
    }),
  auth: AuthSchema.prefault({}),
  cache: CacheSchema.prefault({}),
  metadata: MetadataSchema.prefault({}),
  sha256: z
    .string()
    .regex(/^(sha256:)?[0-9a-f]{64}$/, "sha256 must be 64 lowercase hex digits (write it with: cap pin)")
    .optional(),
  transform: z.unknown().optional(),
  response_transform: z.unknown().optional(),
  projection: z.unknown().optional(),
  webhooks: z.unknown().optional(),
  visible_in_states: z.unknown().optional(),
});

export const CapabilitySchema = CapabilityObjectSchema.superRefine((cap, ctx) => {
  const input = cap.schema.input;
  if (input.type !== undefined && input.type !== "object") {
    ctx.addIssue({
      code: "custom",
      path: ["schema", "input", "type"],
      message: 'schema.input.type must be "object"',
    });
  }
  for (const [index, provider] of [cap.providers.primary, ...cap.providers.fallback].entries()) {
    const at =
      index === 0 ? ["providers", "primary", "config"] : ["providers", "fallback", index - 1, "config"];
    const config = provider.config;
    if (!config.endpoint && !config.base_url) {
      ctx.addIssue({ code: "custom", path: at, message: "needs base_url (plus path) or endpoint" });
    }
    for (const [key, url] of [
      ["base_url", config.base_url],
      ["endpoint", config.endpoint],
    ] as const) {
      if (url !== undefined && !/^https?:\/\//i.test(url)) {
        ctx.addIssue({
          code: "custom",
          path: [...at, key],
          message: `${key} must start with http:// or https://`,
        });
      }
    }
    if (
      provider.service === "graphql" &&
      !config.query &&
      typeof config.body !== "string" &&
      !hasQuery(config.body)
    ) {
      ctx.addIssue({
        code: "custom",
        path: at,
        message: "a graphql provider needs query (or body holding the query)",
      });
    }
  }
  if (cap.auth.type !== "none" && cap.auth.key === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["auth", "key"],
      message: `auth.type ${cap.auth.type} needs key (e.g. env:API_KEY)`,
    });
  }
});

function hasQuery(body: unknown): boolean {
  return typeof body === "object" && body !== null && typeof (body as { query?: unknown }).query === "string";
}

/** A validated capability file. */
export type CapabilityDefinition = z.output<typeof CapabilitySchema>;
export type ProviderDefinition = z.output<typeof ProviderSchema>;
export type RestConfig = z.output<typeof RestConfigSchema>;
export type AuthDefinition = z.output<typeof AuthSchema>;
