import { ValidationError } from "../../../src/errors/index.js";
import { expect } from "vitest";

/** Runs `fn`, which must throw a ValidationError, and returns the field it names. */
export function fieldOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    expect((e as ValidationError).code).toBe("TINKER_VALIDATION");
    return (e as ValidationError).field;
  }
  throw new Error("expected a ValidationError");
}
