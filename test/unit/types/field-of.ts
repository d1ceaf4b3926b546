import { expect } from "vitest";
import { ValidationError } from "../../../src/types/index.js";

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
