/**
 * A small XML → JSON reader for APIs that answer in XML (arXiv's Atom feed, RSS, …), so `response_path`
 * works on them too. Elements become objects keyed by tag name; a repeated tag becomes an array;
 * attributes are `@name`; text beside children is `#text`; an element with only text is that string.
 * It reads well-formed documents; DTDs and namespaces are not interpreted (prefixes stay in names).
 */

type XmlNode = Record<string, unknown>;

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decode(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, code: string) => {
    if (code.startsWith("#x") || code.startsWith("#X"))
      return String.fromCodePoint(Number.parseInt(code.slice(2), 16));
    if (code.startsWith("#")) return String.fromCodePoint(Number(code.slice(1)));
    return ENTITIES[code] ?? whole;
  });
}

function add(node: XmlNode, key: string, value: unknown): void {
  const existing = node[key];
  if (existing === undefined) node[key] = value;
  else if (Array.isArray(existing)) existing.push(value);
  else node[key] = [existing, value];
}

function simplify(node: XmlNode, text: string): unknown {
  const keys = Object.keys(node);
  const trimmed = text.trim();
  if (keys.length === 0) return trimmed;
  if (trimmed !== "") node["#text"] = trimmed;
  return node;
}

/**
 * Parses an XML document into plain JSON values.
 * @throws Error on mismatched or unclosed tags
 */
export function xmlToJson(xml: string): unknown {
  const tag =
    /<!\[CDATA\[([\s\S]*?)\]\]>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!DOCTYPE[^>[]*(\[[\s\S]*?\])?\s*>|<(\/?)([^\s/>]+)((?:\s+[^\s=/>]+(?:\s*=\s*(?:"[^"]*"|'[^']*'))?)*)\s*(\/?)>/gi;
  const root: XmlNode = {};
  const stack: { name: string; node: XmlNode; text: string }[] = [{ name: "", node: root, text: "" }];
  let last = 0;
  for (const match of xml.matchAll(tag)) {
    const top = stack[stack.length - 1];
    if (!top) break;
    top.text += decode(xml.slice(last, match.index));
    last = match.index + match[0].length;
    if (match[1] !== undefined) {
      top.text += match[1];
      continue;
    }
    const name = match[4];
    if (name === undefined) continue; // comment, processing instruction or doctype
    if (match[3] === "/") {
      const closing = stack.pop();
      if (!closing || closing.name !== name) throw new Error(`unexpected </${name}>`);
      const parent = stack[stack.length - 1];
      if (parent) add(parent.node, name, simplify(closing.node, closing.text));
      continue;
    }
    const node: XmlNode = {};
    for (const attr of (match[5] ?? "").matchAll(/([^\s=/>]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'))?/g)) {
      node[`@${attr[1]}`] = decode(attr[2] ?? attr[3] ?? "");
    }
    if (match[6] === "/") add(top.node, name, simplify(node, ""));
    else stack.push({ name, node, text: "" });
  }
  if (stack.length > 1) throw new Error(`<${stack[stack.length - 1]?.name}> is never closed`);
  return root;
}
