/**
 * A small JSON path: `$`, `.name`, `["name"]` / `['name']`, `[0]`, and the wildcards `.*` / `[*]`. Enough to
 * pick a part of a tool's result or drop fields from it; no filters, slices or recursive descent.
 */
export type PathSegment = { key: string } | { index: number } | { any: true };

const NAME = /^[A-Za-z_$][A-Za-z0-9_$-]*/;

/** Parses a path, or returns a message saying what is wrong with it. */
export function parseJsonPath(path: string): PathSegment[] | string {
  if (!path.startsWith("$")) return 'a JSON path starts with "$", e.g. $.items[0].name';
  const segments: PathSegment[] = [];
  let rest = path.slice(1);
  while (rest.length > 0) {
    if (rest.startsWith(".*")) {
      segments.push({ any: true });
      rest = rest.slice(2);
    } else if (rest.startsWith(".")) {
      const name = NAME.exec(rest.slice(1))?.[0];
      if (!name) return `expected a field name after "." at "${rest}"`;
      segments.push({ key: name });
      rest = rest.slice(1 + name.length);
    } else if (rest.startsWith("[")) {
      const bracket = /^\[(\*|\d+|"((?:[^"\\]|\\.)*)"|'([^']*)')\]/.exec(rest);
      if (!bracket) return `expected [N], [*], ["name"] or ['name'] at "${rest}"`;
      const [whole, inner, double, single] = bracket;
      if (inner === "*") segments.push({ any: true });
      else if (double !== undefined) segments.push({ key: JSON.parse(`"${double}"`) as string });
      else if (single !== undefined) segments.push({ key: single });
      else segments.push({ index: Number(inner) });
      rest = rest.slice(whole.length);
    } else return `unexpected "${rest}" (use .name, [N], [*] or ["name"])`;
  }
  return segments;
}

function children(value: unknown, segment: PathSegment): unknown[] {
  if (value === null || typeof value !== "object") return [];
  if ("any" in segment) return Array.isArray(value) ? value : Object.values(value);
  if ("index" in segment)
    return Array.isArray(value) && segment.index < value.length ? [value[segment.index]] : [];
  if (Array.isArray(value) || !Object.hasOwn(value, segment.key)) return [];
  return [(value as Record<string, unknown>)[segment.key]];
}

/**
 * The value at a path: one value, an array of every match when the path has a wildcard, or undefined when
 * nothing matches.
 */
export function pickPath(value: unknown, path: readonly PathSegment[]): unknown {
  let current = [value];
  for (const segment of path) current = current.flatMap((v) => children(v, segment));
  if (path.some((s) => "any" in s)) return current;
  return current.length === 0 ? undefined : current[0];
}

/** A copy of `value` without what the path names (untouched parts are shared, not copied). */
export function dropPath(value: unknown, path: readonly PathSegment[]): unknown {
  const [head, ...tail] = path;
  if (head === undefined || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    if ("key" in head) return value;
    const hit = (i: number): boolean => ("any" in head ? true : head.index === i);
    if (tail.length === 0) return value.filter((_, i) => !hit(i));
    return value.map((item, i) => (hit(i) ? dropPath(item, tail) : item));
  }
  const record = value as Record<string, unknown>;
  if ("index" in head) return value;
  const keys = "any" in head ? Object.keys(record) : Object.hasOwn(record, head.key) ? [head.key] : [];
  if (keys.length === 0) return value;
  const copy = { ...record };
  for (const key of keys) {
    if (tail.length === 0) delete copy[key];
    else copy[key] = dropPath(record[key], tail);
  }
  return copy;
}
