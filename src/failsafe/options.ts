// Constructor-time checks shared by the failsafe classes: a bad option fails where it is set, not on
// the first call hours later.

/** Throws a RangeError unless `value` is an integer within [min, max]. */
export function assertInteger(
  owner: string,
  field: string,
  value: number,
  min: number,
  max = Infinity,
): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Infinity ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
    throw new RangeError(`${owner}: ${field} must be ${range}, got ${String(value)}`);
  }
}

/** Throws a RangeError unless `value` is a finite number within [min, max] (min exclusive when asked). */
export function assertNumber(
  owner: string,
  field: string,
  value: number,
  range: { min: number; max?: number; exclusiveMin?: boolean },
): void {
  const max = range.max ?? Infinity;
  const belowMin = range.exclusiveMin ? value <= range.min : value < range.min;
  if (typeof value !== "number" || !Number.isFinite(value) || belowMin || value > max) {
    const lower = `${range.exclusiveMin ? ">" : ">="} ${range.min}`;
    const upper = max === Infinity ? "" : ` and <= ${max}`;
    throw new RangeError(`${owner}: ${field} must be a finite number ${lower}${upper}, got ${String(value)}`);
  }
}
