/**
 * Checks tool arguments against a capability's `schema.input` (the common JSON Schema keywords) before
 * any request is made. Simple coercion helps models that send every value as a string: "42" becomes 42
 * for number fields, "true" becomes true for boolean ones, and numbers become strings for string fields.
 * Defaults from the schema fill missing properties. Keywords it does not know are ignored, not refused.
 */

type Schema = Record<string, unknown>;

/** Arguments after coercion and defaults, or one message per offending field. */
export type ArgumentCheck = { ok: true; value: Record<string, unknown> } | { ok: false; errors: string[] };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function matchesType(value: unknown, type: string): boolean {
  const actual = typeOf(value);
  return actual === type || (type === "number" && actual === "integer");
}

function coerce(value: unknown, type: string): unknown {
  if (typeof value === "string") {
    const text = value.trim();
    if ((type === "number" || type === "integer") && text !== "" && Number.isFinite(Number(text)))
      return Number(text);
    if (type === "boolean" && (text === "true" || text === "false")) return text === "true";
    if ((type === "array" && text.startsWith("[")) || (type === "object" && text.startsWith("{"))) {
      try {
        return JSON.parse(text);
      } catch {
        return value;
      }
    }
    if (type === "null" && text === "null") return null;
  }
  if (type === "string" && (typeof value === "number" || typeof value === "boolean")) return String(value);
  return value;
}

function label(path: string): string {
  return path === "" ? "arguments" : path;
}

function check(schema: unknown, input: unknown, path: string, errors: string[]): unknown {
  if (!isObject(schema)) return input;
  let value = input;
  const declared = schema.type;
  const types = Array.isArray(declared)
    ? declared.map(String)
    : typeof declared === "string"
      ? [declared]
      : [];
  if (schema.nullable === true && value === null) return value;
  if (types.length > 0 && !types.some((t) => matchesType(value, t))) {
    const coerced = types.map((t) => coerce(value, t)).find((v, i) => matchesType(v, types[i] ?? ""));
    if (coerced === undefined && !(types.includes("null") && value === null)) {
      errors.push(`${label(path)}: expected ${types.join(" or ")}, got ${typeOf(value)}`);
      return value;
    }
    value = coerced;
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => e === value)) {
    const options = schema.enum.map((e) => JSON.stringify(e)).join(", ");
    errors.push(`${label(path)}: must be one of ${options}`);
  }
  if ("const" in schema && schema.const !== value)
    errors.push(`${label(path)}: must be ${JSON.stringify(schema.const)}`);
  if (typeof value === "number") checkNumber(schema, value, path, errors);
  if (typeof value === "string") checkString(schema, value, path, errors);
  if (Array.isArray(value)) value = checkArray(schema, value, path, errors);
  if (
    isObject(value) &&
    (schema.properties !== undefined || schema.required !== undefined || types.includes("object"))
  ) {
    value = checkObject(schema, value, path, errors);
  }
  for (const key of ["anyOf", "oneOf"] as const) {
    const branches = schema[key];
    if (!Array.isArray(branches) || branches.length === 0) continue;
    const passing = branches.map((b) => {
      const branchErrors: string[] = [];
      const out = check(b, value, path, branchErrors);
      return { out, ok: branchErrors.length === 0 };
    });
    const first = passing.find((p) => p.ok);
    if (first) value = first.out;
    else errors.push(`${label(path)}: does not match any allowed shape`);
  }
  if (Array.isArray(schema.allOf)) for (const part of schema.allOf) value = check(part, value, path, errors);
  return value;
}

function checkNumber(schema: Schema, value: number, path: string, errors: string[]): void {
  const at = label(path);
  if (typeof schema.minimum === "number" && value < schema.minimum)
    errors.push(`${at}: must be ≥ ${schema.minimum}`);
  if (typeof schema.maximum === "number" && value > schema.maximum)
    errors.push(`${at}: must be ≤ ${schema.maximum}`);
  if (typeof schema.exclusiveMinimum === "number" && value <= schema.exclusiveMinimum)
    errors.push(`${at}: must be > ${schema.exclusiveMinimum}`);
  if (typeof schema.exclusiveMaximum === "number" && value >= schema.exclusiveMaximum)
    errors.push(`${at}: must be < ${schema.exclusiveMaximum}`);
}

function checkString(schema: Schema, value: string, path: string, errors: string[]): void {
  const at = label(path);
  if (typeof schema.minLength === "number" && value.length < schema.minLength)
    errors.push(`${at}: must be at least ${schema.minLength} characters`);
  if (typeof schema.maxLength === "number" && value.length > schema.maxLength)
    errors.push(`${at}: must be at most ${schema.maxLength} characters`);
  if (typeof schema.pattern === "string") {
    let pattern: RegExp | undefined;
    try {
      pattern = new RegExp(schema.pattern, "u");
    } catch {
      pattern = undefined;
    }
    if (pattern && !pattern.test(value)) errors.push(`${at}: must match ${schema.pattern}`);
  }
}

function checkArray(schema: Schema, value: unknown[], path: string, errors: string[]): unknown[] {
  const at = label(path);
  if (typeof schema.minItems === "number" && value.length < schema.minItems)
    errors.push(`${at}: needs at least ${schema.minItems} items`);
  if (typeof schema.maxItems === "number" && value.length > schema.maxItems)
    errors.push(`${at}: allows at most ${schema.maxItems} items`);
  if (!isObject(schema.items)) return value;
  return value.map((item, i) => check(schema.items, item, `${path}[${i}]`, errors));
}

function checkObject(
  schema: Schema,
  value: Record<string, unknown>,
  path: string,
  errors: string[],
): Record<string, unknown> {
  const properties = isObject(schema.properties) ? schema.properties : {};
  const out: Record<string, unknown> = { ...value };
  for (const [key, sub] of Object.entries(properties)) {
    if (out[key] === undefined && isObject(sub) && sub.default !== undefined)
      out[key] = structuredClone(sub.default);
  }
  const required = Array.isArray(schema.required) ? schema.required.map(String) : [];
  for (const key of required) {
    if (out[key] === undefined || out[key] === null)
      errors.push(`${path ? `${path}.` : ""}${key}: is required`);
  }
  for (const [key, item] of Object.entries(out)) {
    const at = path ? `${path}.${key}` : key;
    if (key in properties) out[key] = check(properties[key], item, at, errors);
    else if (schema.additionalProperties === false) {
      const known = Object.keys(properties);
      errors.push(
        `${at}: is not an accepted argument${known.length > 0 ? ` (accepted: ${known.join(", ")})` : ""}`,
      );
    } else if (isObject(schema.additionalProperties))
      out[key] = check(schema.additionalProperties, item, at, errors);
  }
  return out;
}

/** Validates (and lightly coerces) tool arguments against a JSON Schema object. */
export function checkArguments(
  schema: Record<string, unknown>,
  args: Record<string, unknown>,
): ArgumentCheck {
  const errors: string[] = [];
  const value = check({ type: "object", ...schema }, args, "", errors);
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: isObject(value) ? value : {} };
}
