/**
 * `{name}` placeholders in capability templates. A placeholder names an argument, or `{env.VAR}` an
 * environment variable. Each template is scanned once, so a substituted value is never read as a
 * template again (an argument holding `{env.SECRET}` arrives as that text).
 */

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_.-]*)\}/g;

/** What templates read from, and which arguments they consumed. */
export interface TemplateScope {
  args: Record<string, unknown>;
  env: Record<string, string | undefined>;
  /** Argument names a template has used (so they are not sent a second time). */
  used: Set<string>;
}

/** The argument names a template refers to (not `env.*`). */
export function placeholders(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)]
    .map((m) => m[1] ?? "")
    .filter((name) => !name.startsWith("env."));
}

/** A value as text for URLs and headers: arrays comma-joined, objects as JSON, null/undefined as absent. */
export function asText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return value.map((v) => asText(v) ?? "").join(",");
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function lookup(name: string, scope: TemplateScope): unknown {
  if (name.startsWith("env.")) {
    const value = scope.env[name.slice(4)];
    return value === "" ? undefined : value;
  }
  const value = scope.args[name];
  if (value !== undefined) scope.used.add(name);
  return value;
}

/**
 * Fills a string template. `unfilled` lists placeholders that had no value (they become empty text);
 * `encode` is applied to each substituted value, e.g. `encodeURIComponent` for paths.
 */
export function fillString(
  template: string,
  scope: TemplateScope,
  encode: (text: string) => string = (t) => t,
): { text: string; unfilled: string[] } {
  const unfilled: string[] = [];
  const text = template.replace(PLACEHOLDER, (_whole, name: string) => {
    const value = asText(lookup(name, scope));
    if (value === undefined || value === "") {
      unfilled.push(name);
      return "";
    }
    return encode(value);
  });
  return { text, unfilled };
}

const PURE = /^\{([A-Za-z_][A-Za-z0-9_.-]*)\}$/;

/**
 * Fills a JSON body template. A string that is exactly one placeholder keeps the argument's type
 * (`"{limit}"` → 10); object entries whose placeholders are all unfilled are dropped.
 */
export function fillValue(template: unknown, scope: TemplateScope): unknown {
  if (typeof template === "string") {
    const pure = PURE.exec(template.trim());
    if (pure) return lookup(pure[1] ?? "", scope) ?? undefined;
    const { text, unfilled } = fillString(template, scope);
    return unfilled.length > 0 && text.trim() === "" ? undefined : text;
  }
  if (Array.isArray(template))
    return template.map((item) => fillValue(item, scope)).filter((v) => v !== undefined);
  if (typeof template === "object" && template !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(template)) {
      const value = fillValue(item, scope);
      if (value !== undefined) out[key] = value;
    }
    return out;
  }
  return template;
}
