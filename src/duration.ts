const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
/** What a duration written as a string looks like (the JSON Schema for editors uses the same rule). */
export const DURATION_PATTERN = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/;

/**
 * Parses `100ms`, `30s`, `5m`, `1h`, `1d` or a plain number of seconds into milliseconds.
 * Returns undefined for anything else so the caller can report it with its position.
 */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) && value >= 0 ? value * 1000 : undefined;
  const match = DURATION_PATTERN.exec(value);
  if (!match) return undefined;
  const amount = Number(match[1]);
  return Math.round(amount * (UNIT_MS[match[2] ?? "s"] ?? 1000));
}
