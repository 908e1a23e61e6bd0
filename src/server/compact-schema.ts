/** Longest description a compact schema keeps whole; longer ones are cut at a word with a marker. */
export const DESCRIPTION_MAX = 160;
/** Longest tool description a search match keeps whole. */
export const TOOL_DESCRIPTION_MAX = 320;
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

function squash(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]/g, "");
}

/** Keywords that say nothing a model needs in order to call the tool. */
function dropped(key: string, value: unknown, name: string | undefined): boolean {
  if (key === "$schema" || key === "$comment") return true;
  // `false` is a rule the backend enforces anyway; `true` is the default.
  if (key === "additionalProperties" && typeof value === "boolean") return true;
  // A title that only repeats its property's name ("file_path" → "File Path").
  return key === "title" && typeof value === "string" && name !== undefined && squash(value) === squash(name);
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
 * (`$schema`, `additionalProperties: false`, titles that repeat the property name, every `examples` but the
 * first) and with long descriptions cut (marked). Types, required lists, enums, defaults, formats and `$ref`
 * targets stay whole, so a call built from it is valid. Returns whether anything was cut.
 */
export function compactSchema(schema: Json): { schema: Json; cut: boolean } {
  let cut = false;
  schema = withoutUnusedDefinitions(schema);
  const walk = (value: unknown, name: string | undefined, inProperties: boolean): unknown => {
    if (Array.isArray(value)) return value.map((v) => walk(v, undefined, false));
    if (typeof value !== "object" || value === null) return value;
    const out: Json = {};
    for (const [key, child] of Object.entries(value)) {
      if (inProperties) {
        // Keys here are property names, not keywords: keep every one.
        out[key] = walk(child, key, false);
        continue;
      }
      if (dropped(key, child, name)) continue;
      if (key === "description" && typeof child === "string") {
        const short = cutText(child, DESCRIPTION_MAX);
        cut ||= short.cut;
        out[key] = short.text;
      } else if (key === "examples" && Array.isArray(child) && child.length > 1) {
        out[key] = child.slice(0, 1);
      } else {
        out[key] = walk(child, undefined, NAME_MAPS.has(key));
      }
    }
    return out;
  };
  return { schema: walk(schema, undefined, false) as Json, cut };
}
