/**
 * Longest property description a compact schema keeps; past its first sentence or this length it is cut at a
 * sentence or word, with a marker.
 */
export const DESCRIPTION_MAX = 100;
/** Longest tool description a search match keeps whole. */
export const TOOL_DESCRIPTION_MAX = 240;
/** What marks a cut: the full text comes with `gateway_list_tools` and the tool's server. */
export const CUT = "…";

type Json = Record<string, unknown>;

/** Keywords whose value maps names (properties, definitions) to schemas. */
const NAME_MAPS = new Set(["properties", "patternProperties", "$defs", "definitions", "dependentSchemas"]);

/** Text cut to at most `max` characters at a sentence end, else a word boundary, marked with {@link CUT}. */
export function cutText(text: string, max: number): { text: string; cut: boolean } {
  const flat = text.replace(/\s+/g, " ").trim();
  if (flat.length <= max) return { text: flat, cut: false };
  const head = flat.slice(0, max - 1);
  const sentence = head.lastIndexOf(". ");
  if (sentence > max / 2) return { text: `${head.slice(0, sentence + 1)} ${CUT}`, cut: true };
  const space = head.lastIndexOf(" ");
  return { text: `${space > max / 2 ? head.slice(0, space) : head}${CUT}`, cut: true };
}

/**
 * A property description down to its first sentence (when that says something on its own) and at most
 * {@link DESCRIPTION_MAX} characters: "The account owner of the repository. The name is not case sensitive."
 * keeps its first sentence.
 */
export function shortDescription(text: string): { text: string; cut: boolean } {
  const flat = text.replace(/\s+/g, " ").trim();
  const end = flat.indexOf(". ");
  if (end >= 20 && end < DESCRIPTION_MAX) return { text: `${flat.slice(0, end + 1)} ${CUT}`, cut: true };
  return cutText(flat, DESCRIPTION_MAX);
}

function squash(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]/g, "");
}

/** Keywords that say nothing a model needs in order to call the tool. */
function dropped(key: string, value: unknown, name: string | undefined, owner: Json): boolean {
  if (key === "$schema" || key === "$comment" || key.startsWith("x-")) return true;
  // `false` is a rule the backend enforces anyway; `true` is the default.
  if (key === "additionalProperties" && typeof value === "boolean") return true;
  // A title that only repeats its property's name ("file_path" → "File Path") or stands beside a description.
  return (
    key === "title" &&
    typeof value === "string" &&
    ((name !== undefined && squash(value) === squash(name)) || typeof owner.description === "string")
  );
}

/** A property a call should not use: deprecated and not required. */
function deprecatedOptional(property: unknown, name: string, required: ReadonlySet<unknown>): boolean {
  return (
    typeof property === "object" &&
    property !== null &&
    (property as Json).deprecated === true &&
    !required.has(name)
  );
}

/** Every local `$ref` target (`#/$defs/x`, `#/definitions/x`) named anywhere in a value. */
function refsIn(value: unknown, into: Set<string>): Set<string> {
  const stack = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item !== "object" || item === null) continue;
    for (const [key, child] of Object.entries(item)) {
      if (key === "$ref" && typeof child === "string" && child.startsWith("#/")) into.add(child);
      else stack.push(child);
    }
  }
  return into;
}

/**
 * The schema without the top-level definitions no `$ref` reaches, directly or through other definitions
 * (servers often ship one shared `$defs` block with every tool): unreachable definitions cannot change what
 * the schema accepts.
 */
export function withoutUnusedDefinitions(schema: Json): Json {
  const sections = ["$defs", "definitions"].filter(
    (k) => typeof schema[k] === "object" && schema[k] !== null && !Array.isArray(schema[k]),
  );
  if (sections.length === 0) return schema;
  const body = Object.fromEntries(Object.entries(schema).filter(([k]) => !sections.includes(k)));
  const reached = refsIn(body, new Set());
  const pending = [...reached];
  const definition = (ref: string): unknown => {
    const [, section, ...rest] = ref.split("/");
    if (!section || !sections.includes(section) || rest.length !== 1) return undefined;
    return (schema[section] as Json)[
      decodeURIComponent(rest[0] as string)
        .replaceAll("~1", "/")
        .replaceAll("~0", "~")
    ];
  };
  while (pending.length > 0) {
    const ref = pending.pop() as string;
    for (const next of refsIn(definition(ref), new Set())) {
      if (!reached.has(next)) {
        reached.add(next);
        pending.push(next);
      }
    }
  }
  const out: Json = { ...body };
  for (const section of sections) {
    const kept = Object.entries(schema[section] as Json).filter(([name]) =>
      reached.has(`#/${section}/${name.replaceAll("~", "~0").replaceAll("/", "~1")}`),
    );
    if (kept.length > 0) out[section] = Object.fromEntries(kept);
  }
  return out;
}

/**
 * A JSON Schema as a search result shows it: what a model needs to call the tool, without what it does not
 * (`$schema`, `$comment`, `x-` extensions, `additionalProperties: false`, titles that repeat the property name
 * or stand beside a description, deprecated optional properties, every `examples` but the first) and with
 * descriptions cut to their first sentence (marked). Types, required lists, enums, defaults, formats and `$ref`
 * targets stay whole, so a call built from it is valid. Returns whether anything was cut.
 */
export function compactSchema(schema: Json): { schema: Json; cut: boolean } {
  let cut = false;
  schema = withoutUnusedDefinitions(schema);
  // `names`: walking a map of names to schemas; `required` is set for `properties`, whose deprecated optional
  // entries go.
  type Names = { required?: ReadonlySet<unknown> };
  const walk = (value: unknown, name: string | undefined, names?: Names): unknown => {
    if (Array.isArray(value)) return value.map((v) => walk(v, undefined));
    if (typeof value !== "object" || value === null) return value;
    const owner = value as Json;
    const out: Json = {};
    for (const [key, child] of Object.entries(owner)) {
      if (names) {
        // Keys here are names, not keywords: keep every one a call may use.
        if (!names.required || !deprecatedOptional(child, key, names.required)) out[key] = walk(child, key);
        continue;
      }
      if (dropped(key, child, name, owner)) continue;
      if (key === "description" && typeof child === "string") {
        const short = shortDescription(child);
        cut ||= short.cut;
        out[key] = short.text;
      } else if (key === "examples" && Array.isArray(child) && child.length > 1) {
        out[key] = child.slice(0, 1);
      } else if (NAME_MAPS.has(key)) {
        const required = Array.isArray(owner.required) ? owner.required : [];
        out[key] = walk(child, undefined, key === "properties" ? { required: new Set(required) } : {});
      } else {
        out[key] = walk(child, undefined);
      }
    }
    return out;
  };
  return { schema: walk(schema, undefined) as Json, cut };
}

/** Longest signature a search match shows; longer ones lose their last optional arguments, marked. */
export const SIGNATURE_MAX = 200;
/** Most enum values a signature lists before the marker. */
export const ENUM_MAX = 5;

/** A local `$ref` target in a schema's `$defs`/`definitions`, or undefined. */
function resolveRef(root: Json, ref: string): Json | undefined {
  const [hash, section, name, ...rest] = ref.split("/");
  if (hash !== "#" || !section || !name || rest.length > 0) return undefined;
  const defs = root[section];
  const target =
    typeof defs === "object" && defs !== null
      ? (defs as Json)[name.replaceAll("~1", "/").replaceAll("~0", "~")]
      : undefined;
  return typeof target === "object" && target !== null ? (target as Json) : undefined;
}

/** One schema as a short type: `string`, `"a"|"b"`, `number[]`, `{path: string, line?: integer}`. */
function typeText(value: unknown, root: Json, depth: number): string {
  if (typeof value !== "object" || value === null || depth > 3) return "any";
  const schema = value as Json;
  if (typeof schema.$ref === "string") {
    const target = resolveRef(root, schema.$ref);
    return target ? typeText(target, root, depth + 1) : "object";
  }
  if (Array.isArray(schema.enum)) {
    const shown = schema.enum.slice(0, ENUM_MAX).map((v) => JSON.stringify(v));
    return [...shown, ...(schema.enum.length > ENUM_MAX ? [CUT] : [])].join("|");
  }
  if ("const" in schema) return JSON.stringify(schema.const);
  const union = Array.isArray(schema.anyOf)
    ? schema.anyOf
    : Array.isArray(schema.oneOf)
      ? schema.oneOf
      : undefined;
  if (union) return [...new Set(union.map((s) => typeText(s, root, depth + 1)))].join("|");
  const type = Array.isArray(schema.type) ? schema.type.filter((t) => typeof t === "string") : [schema.type];
  return [
    ...new Set(
      type.map((t) => {
        if (t === "array") {
          const item = typeText(schema.items, root, depth + 1);
          return item.includes("|") ? `(${item})[]` : `${item}[]`;
        }
        if (t === "object" || (t === undefined && typeof schema.properties === "object")) {
          return depth < 1 && typeof schema.properties === "object" && schema.properties !== null
            ? `{${argList(schema, root, depth + 1)
                .map((a) => a.text)
                .join(", ")}}`
            : "object";
        }
        return typeof t === "string" ? t : "any";
      }),
    ),
  ].join("|");
}

/** `name: type` / `name?: type` for each property, required ones first (in declared order within each). */
function argList(schema: Json, root: Json, depth: number): Array<{ text: string; optional: boolean }> {
  const properties =
    typeof schema.properties === "object" && schema.properties !== null ? (schema.properties as Json) : {};
  const required = new Set(Array.isArray(schema.required) ? schema.required : []);
  const names = Object.keys(properties);
  return [...names.filter((n) => required.has(n)), ...names.filter((n) => !required.has(n))].map((n) => ({
    text: `${n}${required.has(n) ? "" : "?"}: ${typeText(properties[n], root, depth)}`,
    optional: !required.has(n),
  }));
}

/**
 * A tool's input schema as a one-line argument list, `(a: number, b: number, note?: string)`: what a model
 * needs to call a tool it already understands, at a tenth of the schema's size. Required arguments come first
 * and are kept; past {@link SIGNATURE_MAX} characters the last optional ones give way to {@link CUT}.
 */
export function signature(schema: Json): { text: string; cut: boolean } {
  const args = argList(schema, schema, 0);
  const full = `(${args.map((a) => a.text).join(", ")})`;
  if (full.length <= SIGNATURE_MAX) return { text: full, cut: false };
  const kept: string[] = [];
  let length = 2 + CUT.length;
  for (const arg of args) {
    if (arg.optional && length + arg.text.length + 2 > SIGNATURE_MAX) break;
    kept.push(arg.text);
    length += arg.text.length + 2;
  }
  return { text: `(${[...kept, CUT].join(", ")})`, cut: true };
}
