/**
 * How 0.4.1 classifies an error for its retry decisions and telemetry: whether it is the user's
 * fault, and the `exception*` fields of its failure events. Pure; used by the retry loops, the
 * poller and the telemetry reporter alike.
 */
import { APIStatusError, RequestFailedError } from "./index.js";

/** The `exception`, `exception_type` and `exception_stack` fields of 0.4.1's failure events. */
export function exceptionFields(error: unknown): {
  exception: string;
  exception_type: string;
  exception_stack: string | null;
} {
  if (!(error instanceof Error))
    return { exception: String(error), exception_type: typeof error, exception_stack: null };
  return { exception: error.message, exception_type: errorType(error), exception_stack: error.stack ?? null };
}

/** The class name, as Python's `exception.__class__.__name__`. */
export function errorType(error: Error): string {
  return error.constructor?.name || error.name;
}

/**
 * 0.4.1's `_get_user_error`: the first error along the `cause` chain that is an HTTP 4xx other than
 * 408 (429 included, as in 0.4.1), or a failed future whose category is "user".
 */
export function findUserError(error: unknown): Error | undefined {
  const seen = new Set<unknown>();
  for (let e: unknown = error; e instanceof Error && !seen.has(e); e = e.cause) {
    seen.add(e);
    if (e instanceof APIStatusError) {
      if (e.status >= 400 && e.status < 500 && e.status !== 408) return e;
    } else if (e instanceof RequestFailedError && e.category === "user") {
      return e;
    }
  }
  return undefined;
}

/** Whether 0.4.1 would classify the error as the user's fault (see {@link findUserError}). */
export function isUserError(error: unknown): boolean {
  return findUserError(error) !== undefined;
}
