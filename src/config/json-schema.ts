import { z } from "zod";
import { DURATION_PATTERN } from "../duration.ts";
import { VARIABLE_PATTERN } from "./interpolate.ts";
import { BackendSchema, GatewayConfigSchema } from "./schema.ts";

/**
 * Where editors fetch `gateway.schema.json`: the file on the default branch. The owner is the same
 * placeholder the committed Homebrew formula was rendered with (`mcp-gateway/mcp-gateway`); a fork that
 * publishes under another name changes it here and regenerates (`npm run schema`).
 */
export const CONFIG_SCHEMA_URL =
  "https://raw.githubusercontent.com/mcp-gateway/mcp-gateway/main/gateway.schema.json";

type JsonSchema = Record<string, unknown>;
type Def = { type: string; in?: z.ZodType; out?: z.ZodType; options?: z.ZodType[]; innerType?: z.ZodType };

const defOf = (schema: unknown): Def => (schema as { _zod: { def: Def } })._zod.def;

/** The config's `Duration`: a number or string union piped into the transform that turns it into ms. */
function isDuration(schema: unknown): boolean {
  const def = defOf(schema);
  if (def.type !== "pipe" || !def.in || !def.out || defOf(def.out).type !== "transform") return false;
  const input = defOf(def.in);
  const kinds = (input.options ?? []).map((option) => defOf(option).type).sort();
  return input.type === "union" && kinds.join() === "number,string";
}

const VARIABLE_REF = "#/$defs/variable";
const DURATION_REF = "#/$defs/duration";

/** Shared definitions the generated schema points at (`$ref`) instead of repeating them per key. */
const DEFINITIONS: Record<string, JsonSchema> = {
  variable: {
    type: "string",
    pattern: VARIABLE_PATTERN.source,
    description: `\${VAR} or \${VAR:-default}, expanded from the environment before validation`,
  },
  duration: {
    anyOf: [
      { type: "number", minimum: 0, description: "seconds" },
      { type: "string", pattern: DURATION_PATTERN.source, description: "e.g. 100ms, 30s, 5m, 1h, 1d" },
      { $ref: VARIABLE_REF },
    ],
  },
};

/** `30000` (ms, the parsed default) → `"30s"`, as a user would write it. */
function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

function override(ctx: { zodSchema: unknown; jsonSchema: JsonSchema }): void {
  const { zodSchema, jsonSchema } = ctx;
  if (isDuration(zodSchema)) {
    delete jsonSchema.type;
    delete jsonSchema.anyOf;
    jsonSchema.$ref = DURATION_REF;
  }
  const def = defOf(zodSchema);
  // zod leaves a duration's default out in input mode (the default is the parsed ms value, not input).
  if (def.type === "default" && isDuration(def.innerType)) {
    const value = (def as { defaultValue?: unknown }).defaultValue;
    if (typeof value === "number") jsonSchema.default = formatDuration(value);
  }
  // The refinement "exactly one of command and http_url" is code; spell it out for editors.
  if (zodSchema === BackendSchema) jsonSchema.oneOf = [{ required: ["command"] }, { required: ["http_url"] }];
}

/**
 * Strings that must match a format, pattern or enum may also be a `${VAR}` reference: interpolation runs
 * before validation. Map keys (`propertyNames`) are never expanded, so they keep their rule.
 */
function acceptVariables(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) acceptVariables(item);
    return;
  }
  if (node === null || typeof node !== "object") return;
  const schema = node as JsonSchema;
  const variants = Array.isArray(schema.anyOf) ? (schema.anyOf as JsonSchema[]) : [];
  if (schema.$ref === DURATION_REF || variants.some((variant) => variant.$ref === VARIABLE_REF)) return;
  for (const [key, child] of Object.entries(schema)) {
    if (key !== "propertyNames") acceptVariables(child);
  }
  const constrained = "format" in schema || "pattern" in schema || "enum" in schema;
  if (schema.type !== "string" || !constrained) return;
  const { description, default: fallback, ...rule } = schema;
  for (const key of Object.keys(schema)) delete schema[key];
  if (description !== undefined) schema.description = description;
  if (fallback !== undefined) schema.default = fallback;
  schema.anyOf = [rule, { $ref: VARIABLE_REF }];
}

/** The JSON Schema (draft 2020-12) of what a user may write in gateway.yaml: the input, not the parsed config. */
export function configJsonSchema(): JsonSchema {
  const generated = z.toJSONSchema(GatewayConfigSchema, { io: "input", override }) as JsonSchema;
  const schema: JsonSchema = {
    $schema: generated.$schema,
    $id: CONFIG_SCHEMA_URL,
    title: "mcp-gateway configuration (gateway.yaml)",
    description: "Generated from src/config/schema.ts by scripts/config-schema.ts; do not edit by hand.",
    ...generated,
  };
  acceptVariables(schema);
  schema.$defs = structuredClone(DEFINITIONS);
  return schema;
}

/** `configJsonSchema()` as the committed file holds it. */
export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}
