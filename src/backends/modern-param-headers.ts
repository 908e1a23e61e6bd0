/**
 * `Mcp-Param-*` headers (2026-07-28, SEP-2243): a tool's input property marked `x-mcp-header: Name` is
 * mirrored into the `Mcp-Param-Name` header of an HTTP `tools/call`, so proxies can route on it without
 * reading the body. The SDK checks and mirrors them only for tools it registered itself; the gateway relays
 * tools it does not own, so it does both here: it checks what a 2026-07-28 client sends, and it sends them
 * to a 2026-07-28 backend.
 */

/** One `x-mcp-header` declaration: the header name, the argument's path and its JSON Schema type. */
export interface ParamHeader {
  name: string;
  path: string[];
  type: string | undefined;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const SENTINEL_PREFIX = "=?base64?";
const SENTINEL_SUFFIX = "?=";
const CANONICAL_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const DECIMAL = /^-?\d+(\.\d+)?$/;
/** Deepest `properties` chain followed (a schema is outside input, so the walk is bounded). */
const MAX_DEPTH = 16;

/** The `x-mcp-header` declarations reachable through `properties` chains of a tool's input schema. */
export function paramHeaders(inputSchema: unknown): ParamHeader[] {
  const found: ParamHeader[] = [];
  const visit = (node: unknown, path: string[]): void => {
    if (node === null || typeof node !== "object" || path.length > MAX_DEPTH) return;
    const schema = node as Record<string, unknown>;
    const name = schema["x-mcp-header"];
    if (path.length > 0 && typeof name === "string" && TOKEN.test(name)) {
      found.push({ name, path, type: typeof schema.type === "string" ? schema.type : undefined });
    }
    const properties = schema.properties;
    if (properties && typeof properties === "object") {
      for (const [key, child] of Object.entries(properties)) visit(child, [...path, key]);
    }
  };
  visit(inputSchema, []);
  return found;
}

function valueAt(root: unknown, path: string[]): unknown {
  let node = root;
  for (const key of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function asText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return undefined;
}

/** A header value as sent: literal when it is plain visible ASCII, else the Base64 sentinel form. */
export function encodeParamValue(value: string): string {
  const plain = /^[\x21-\x7E](?:[\x20-\x7E]*[\x21-\x7E])?$/.test(value) && !value.startsWith(SENTINEL_PREFIX);
  if (plain) return value;
  return `${SENTINEL_PREFIX}${Buffer.from(value, "utf8").toString("base64")}${SENTINEL_SUFFIX}`;
}

/** A received header value decoded; undefined for a sentinel whose payload is not canonical Base64/UTF-8. */
function decodeParamValue(value: string): string | undefined {
  if (!(value.startsWith(SENTINEL_PREFIX) && value.endsWith(SENTINEL_SUFFIX))) return value;
  const payload = value.slice(SENTINEL_PREFIX.length, value.length - SENTINEL_SUFFIX.length);
  if (!CANONICAL_BASE64.test(payload)) return undefined;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Buffer.from(payload, "base64"));
  } catch {
    return undefined;
  }
}

/** The `Mcp-Param-*` headers a call with these arguments carries. */
export function paramHeadersFor(declarations: readonly ParamHeader[], args: unknown): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const decl of declarations) {
    const text = asText(valueAt(args, decl.path));
    if (text !== undefined) headers[`Mcp-Param-${decl.name}`] = encodeParamValue(text);
  }
  return headers;
}

/**
 * Checks a call's `Mcp-Param-*` headers against its arguments: each declared argument the body carries
 * needs its header, decoding to the same value (numbers compared as numbers).
 * @returns what disagrees (header and why), or undefined when all agree
 */
export function paramHeaderMismatch(
  declarations: readonly ParamHeader[],
  args: unknown,
  headers: Headers,
): { header: string; body: string } | undefined {
  for (const decl of declarations) {
    const header = `Mcp-Param-${decl.name}`;
    const raw = valueAt(args, decl.path);
    const text = asText(raw);
    if (text === undefined) continue;
    const sent = headers.get(header);
    const where = decl.path.join(".");
    if (sent === null)
      return { header, body: `the body carries ${where} but the ${header} header is absent` };
    const decoded = decodeParamValue(sent);
    if (decoded === undefined)
      return { header, body: `the ${header} header carries an invalid Base64 value` };
    const numeric = (decl.type === "integer" || decl.type === "number") && typeof raw === "number";
    const same = numeric && DECIMAL.test(decoded) ? Number(decoded) === raw : decoded === text;
    if (!same) return { header, body: `the ${header} header does not match ${where} in the body` };
  }
  return undefined;
}
