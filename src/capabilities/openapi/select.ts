import { GatewayError } from "../../errors.ts";
import { didYouMean } from "../../suggest.ts";
import type { Operation } from "./spec.ts";

/** Which operations of a spec `cap import` keeps (`--tag`, `--path`); empty lists keep everything. */
export interface OperationFilter {
  /** Keep operations carrying at least one of these tags (case-insensitive). @default [] */
  tags?: readonly string[];
  /** Keep operations whose path matches one of these globs (`*` within a segment, `**` across). @default [] */
  paths?: readonly string[];
}

/**
 * The operations the filter keeps, in document order.
 * @throws GatewayError USAGE when a filter is given and keeps nothing (naming the spec's tags or paths)
 */
export function selectOperations(operations: readonly Operation[], filter: OperationFilter): Operation[] {
  const tags = (filter.tags ?? []).map((t) => t.toLowerCase());
  const globs = (filter.paths ?? []).map((p) => new Bun.Glob(p));
  if (tags.length === 0 && globs.length === 0) return [...operations];
  const kept = operations.filter(
    (op) =>
      (tags.length === 0 || tagsOf(op).some((t) => tags.includes(t.toLowerCase()))) &&
      (globs.length === 0 || globs.some((g) => g.match(op.path))),
  );
  if (kept.length > 0) return kept;
  const known = [...new Set(operations.flatMap(tagsOf))];
  const asked = [
    ...(filter.tags ?? []).map((t) => `--tag ${t}${didYouMean(t, known)}`),
    ...(filter.paths ?? []).map((p) => `--path ${p}`),
  ].join(" ");
  const paths = [...new Set(operations.map((op) => op.path))];
  throw new GatewayError(
    "USAGE",
    `no operation matches ${asked} (tags in the spec: ${known.join(", ") || "none"}; paths: ${sample(paths)})`,
  );
}

function tagsOf(op: Operation): string[] {
  const tags = op.operation.tags;
  return Array.isArray(tags) ? tags.map(String) : [];
}

function sample(items: string[]): string {
  if (items.length === 0) return "none";
  return items.length <= 5 ? items.join(", ") : `${items.slice(0, 5).join(", ")}, … (${items.length})`;
}
