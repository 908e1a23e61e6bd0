import type { LineCounter, Node, Document as YamlDocument } from "yaml";
import { yamlLibrary } from "./yaml-library.ts";

/** 1-based line and column of a spot in the config file. */
export interface Position {
  line: number;
  col: number;
}

function keyNode(doc: YamlDocument, path: readonly PropertyKey[], key: string): Node | undefined {
  const { isMap, isScalar } = yamlLibrary();
  const parent = path.length === 0 ? doc.contents : doc.getIn(path as unknown[], true);
  if (!isMap(parent)) return undefined;
  const pair = parent.items.find((item) => isScalar(item.key) && String(item.key.value) === key);
  return pair && isScalar(pair.key) ? pair.key : undefined;
}

/**
 * Finds where a config path sits in the YAML source. With `key`, points at that key inside the map at
 * `path` (for unknown keys); otherwise at the value, falling back to the nearest ancestor that exists.
 */
export function locate(
  doc: YamlDocument,
  counter: LineCounter,
  path: readonly PropertyKey[],
  key?: string,
): Position | undefined {
  function* candidates(): Generator<unknown> {
    if (key !== undefined) yield keyNode(doc, path, key);
    for (let depth = path.length; depth > 0; depth--) {
      yield doc.getIn(path.slice(0, depth) as unknown[], true);
      yield keyNode(doc, path.slice(0, depth - 1), String(path[depth - 1]));
    }
    yield doc.contents;
  }
  for (const node of candidates()) {
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    if (range) {
      const pos = counter.linePos(range[0]);
      return { line: pos.line, col: pos.col };
    }
  }
  return undefined;
}
