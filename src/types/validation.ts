/** Input validation shared by every wire type; failures surface before anything is sent. */

/** Raised when user input cannot be encoded as a valid wire value; `field` names the offending field. */
export class ValidationError extends Error {
  /** Stable machine-readable code. */
  readonly code = "TINKER_VALIDATION" as const;
  /** Dotted path of the field that failed, e.g. `loss_fn_inputs.weights.data[3]`. */
  readonly field: string;

  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = "ValidationError";
    this.field = field;
  }
}

/** Throws unless `value` is a safe integer. */
export function assertInt(value: unknown, field: string): asserts value is number {
  if (typeof value !== "number" || !Number.isSafeInteger(value)) {
    throw new ValidationError(field, `expected an integer, got ${String(value)}`);
  }
}

/** Throws unless `value` is a non-negative safe integer. */
export function assertNonNegativeInt(value: unknown, field: string): asserts value is number {
  assertInt(value, field);
  if (value < 0) throw new ValidationError(field, `must be >= 0, got ${value}`);
}

/** Throws unless `value` is a finite number (no NaN/Infinity: JSON cannot carry them). */
export function assertFinite(value: unknown, field: string): asserts value is number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new ValidationError(field, `expected a finite number, got ${String(value)}`);
  }
}

/** Throws unless `value` is a finite number within [min, max]. */
export function assertRange(
  value: unknown,
  field: string,
  min: number,
  max: number,
): asserts value is number {
  assertFinite(value, field);
  if (value < min || value > max) {
    throw new ValidationError(field, `must be between ${min} and ${max}, got ${value}`);
  }
}

/** Throws unless `value` is a string. */
export function assertString(value: unknown, field: string): asserts value is string {
  if (typeof value !== "string") throw new ValidationError(field, `expected a string, got ${typeof value}`);
}

/** Throws unless `value` is a non-null, non-array object. */
export function assertObject(value: unknown, field: string): asserts value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ValidationError(field, "expected an object");
  }
}

/** Throws unless every element of `values` is an integer; names the first bad index. */
export function assertIntArray(values: readonly unknown[], field: string): void {
  for (let i = 0; i < values.length; i++) assertInt(values[i], `${field}[${i}]`);
}

/** Throws unless every element of `values` is finite; names the first bad index. */
export function assertFiniteArray(values: readonly unknown[], field: string): void {
  for (let i = 0; i < values.length; i++) assertFinite(values[i], `${field}[${i}]`);
}
