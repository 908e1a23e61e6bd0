/** Names the importer makes: tool names from operations, and input property names from parameters. */

/** snake_case from operationId, camelCase or any punctuation. */
export function snakeCase(text: string): string {
  return text
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
    .replace(/[^A-Za-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .toLowerCase();
}

/** The tool name of one operation: prefix + operationId (or method and path), at most 64 characters. */
export function toolName(
  prefix: string,
  operation: { operationId: string | undefined; method: string; path: string },
): string {
  const base = operation.operationId
    ? snakeCase(operation.operationId)
    : snakeCase(`${operation.method} ${operation.path.replace(/\{([^}]+)\}/g, "by $1")}`);
  let name = prefix ? `${snakeCase(prefix)}_${base}` : base;
  if (name.length > 64) {
    const hash = new Bun.CryptoHasher("sha256").update(name).digest("hex").slice(0, 8);
    name = `${name.slice(0, 55)}_${hash}`;
  }
  return name || "operation";
}

/** A name not yet in `taken` (`_2` appended until it is), added to it. */
export function uniqueName(name: string, taken: Set<string>): string {
  let unique = name;
  while (taken.has(unique)) unique = `${unique}_2`;
  taken.add(unique);
  return unique;
}

/** A capability input property for a parameter name: safe characters, unique among `taken`, added to it. */
export function safeProperty(name: string, taken: Set<string>): string {
  let safe = name.replace(/[^A-Za-z0-9_.-]/g, "_").replace(/^([^A-Za-z_])/, "_$1");
  while (taken.has(safe)) safe = `${safe}_`;
  taken.add(safe);
  return safe;
}
