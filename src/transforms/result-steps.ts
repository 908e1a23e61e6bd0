import { dropPath, type PathSegment, parseJsonPath, pickPath } from "./json-path.ts";
import type { ResultStepConfig } from "./schema.ts";

type Result = Record<string, unknown>;

function compiled(path: string): PathSegment[] {
  const parsed = parseJsonPath(path);
  // The config schema refused invalid paths already.
  if (typeof parsed === "string") throw new Error(`invalid JSON path ${path}: ${parsed}`);
  return parsed;
}

/** The marker at the end of a cut text, saying how much there was. */
export function truncationMarker(shown: number, total: number): string {
  return `\n… [truncated: ${shown} of ${total} characters shown]`;
}

function reshapeJson(value: unknown, pick: PathSegment[] | undefined, drops: PathSegment[][]): unknown {
  let current = value;
  if (pick) {
    const picked = pickPath(current, pick);
    // A result the path does not match passes as it is (an error text, another shape).
    if (picked !== undefined) current = picked;
  }
  for (const drop of drops) current = dropPath(current, drop);
  return current;
}

function reshapeText(text: string, pick: PathSegment[] | undefined, drops: PathSegment[][]): string {
  const trimmed = text.trimStart();
  if (!trimmed.startsWith("{") && !trimmed.startsWith("[")) return text;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return text;
  }
  const reshaped = reshapeJson(value, pick, drops);
  if (reshaped === value) return text;
  return text.includes("\n") ? JSON.stringify(reshaped, null, 2) : JSON.stringify(reshaped);
}

/**
 * One `result` step as a function on tool results: pick and drop on the structured content and on text
 * items holding JSON (not on error results), then every text item cut to `truncate` characters with a marker.
 */
export function resultTransform(step: ResultStepConfig): (result: Result) => Result {
  const pick = step.pick === undefined ? undefined : compiled(step.pick);
  const drops = step.drop.map(compiled);
  return (result) => transform(result, { pick, drops, limit: step.truncate });
}

function transform(
  result: Result,
  step: { pick: PathSegment[] | undefined; drops: PathSegment[][]; limit: number | undefined },
): Result {
  const { pick, drops, limit } = step;
  const restructure = (pick !== undefined || drops.length > 0) && result.isError !== true;
  let out = result;
  if (restructure && result.structuredContent !== undefined) {
    const reshaped = reshapeJson(result.structuredContent, pick, drops);
    // structuredContent is an object in MCP; a picked list or value is wrapped.
    const structured =
      reshaped !== null && typeof reshaped === "object" && !Array.isArray(reshaped)
        ? reshaped
        : { value: reshaped };
    out = { ...out, structuredContent: structured };
  }
  if (!Array.isArray(result.content)) return out;
  const content = result.content.map((item: unknown) => {
    if (item === null || typeof item !== "object") return item;
    const typed = item as { type?: unknown; text?: unknown };
    if (typed.type !== "text" || typeof typed.text !== "string") return item;
    let text = restructure ? reshapeText(typed.text, pick, drops) : typed.text;
    if (limit !== undefined && text.length > limit)
      text = text.slice(0, limit) + truncationMarker(limit, text.length);
    return text === typed.text ? item : { ...typed, text };
  });
  return { ...out, content };
}
