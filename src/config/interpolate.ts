/** A `${VAR}` reference that had no value and no default. */
export interface MissingVariable {
  /** Where in the document the string sits, e.g. `["backends", "github", "env", "TOKEN"]`. */
  path: (string | number)[];
  variable: string;
}

/** One `${VAR}` or `${VAR:-default}` reference (the JSON Schema for editors accepts strings holding one). */
export const VARIABLE_PATTERN = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/;
const REFERENCE = new RegExp(`\\$\\$\\{|${VARIABLE_PATTERN.source}`, "g");

/** Expands `${VAR}` and `${VAR:-default}` in one string; `$${` stays as a literal `${`. */
export function expandString(
  input: string,
  env: Record<string, string | undefined>,
  onMissing: (variable: string) => void,
): string {
  return input.replace(REFERENCE, (whole, name: string | undefined, fallback: string | undefined) => {
    if (whole === "$${") return "${";
    const value = env[name ?? ""];
    if (value !== undefined && value !== "") return value;
    if (fallback !== undefined) return fallback;
    if (value === "") return value;
    onMissing(name ?? "");
    return "";
  });
}

/**
 * Expands variable references in every string of a parsed YAML value (keys stay as written).
 * Returns the expanded copy and every reference that could not be resolved.
 */
export function interpolate(
  value: unknown,
  env: Record<string, string | undefined>,
): { value: unknown; missing: MissingVariable[] } {
  const missing: MissingVariable[] = [];
  const walk = (node: unknown, path: (string | number)[]): unknown => {
    if (typeof node === "string") {
      return expandString(node, env, (variable) => missing.push({ path, variable }));
    }
    if (Array.isArray(node)) return node.map((item, i) => walk(item, [...path, i]));
    if (node !== null && typeof node === "object") {
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(node)) out[key] = walk(child, [...path, key]);
      return out;
    }
    return node;
  };
  return { value: walk(value, []), missing };
}
