/** Input validation shared by every wire type; failures surface before anything is sent. */
import { ValidationError } from "../errors/index.js";

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

/** Throws unless every element is a token id (a non-negative safe integer); names the first bad index. */
export function assertTokenIds(values: readonly unknown[], field: string): void {
  for (let i = 0; i < values.length; i++) assertNonNegativeInt(values[i], `${field}[${i}]`);
}

/** Throws unless `value` is a non-empty string. */
export function assertNonEmptyString(value: unknown, field: string): asserts value is string {
  assertString(value, field);
  if (value === "") throw new ValidationError(field, "must not be empty");
}

/** Throws unless `value` is an object whose values are all strings (e.g. user metadata). */
export function assertStringRecord(value: unknown, field: string): asserts value is Record<string, string> {
  assertObject(value, field);
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== "string")
      throw new ValidationError(`${field}.${k}`, `expected a string, got ${typeof v}`);
  }
}

/** Throws unless every element of `values` is finite; names the first bad index. */
export function assertFiniteArray(values: readonly unknown[], field: string): void {
  for (let i = 0; i < values.length; i++) assertFinite(values[i], `${field}[${i}]`);
}
