/**
 * SDK-level retry around a submit call, as 0.4.1's `InternalClientHolder.execute_with_retries`:
 * connection errors and 408/409/429/5xx are re-run (a fresh request each time, so a new
 * idempotency key) after 1, 2, 4 … 30 s, until 300 s have passed since the first attempt.
 */
import { APIConnectionError, APIStatusError, APIUserAbortError } from "../errors/index.js";
import { isUserError } from "../errors/classify.js";
import type { TelemetryReporter } from "../telemetry/index.js";

/** Injected clock, sleep and randomness; every timing decision in src/clients goes through these. */
export interface ClientDeps {
  /** Current time in ms. */
  now(): number;
  /** Waits `ms`, rejecting with `APIUserAbortError` when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Uniform in [0, 1): backoff jitter. */
  random(): number;
}

/** Total wall time `executeWithRetries` keeps retrying (0.4.1 MAX_WAIT_TIME = 300 s). */
export const EXECUTE_MAX_WAIT_MS = 300_000;

/** Whether `execute_with_retries` would retry this error. */
export function isRetryableSubmitError(error: unknown): boolean {
  if (error instanceof APIUserAbortError) return false;
  if (error instanceof APIConnectionError) return true;
  if (error instanceof APIStatusError) {
    const s = error.status;
    return s === 408 || s === 409 || s === 429 || (s >= 500 && s < 600);
  }
  return false;
}

/** Options of {@link executeWithRetries}. */
export interface ExecuteOptions {
  deps: ClientDeps;
  telemetry?: TelemetryReporter | null;
  signal?: AbortSignal;
  /** Extra predicate: errors for which it returns false are not retried (deviations, e.g. 409 on publish). */
  retryable?: (error: unknown) => boolean;
  /** Name recorded in telemetry events. */
  name?: string;
}

/** Run `fn`, re-running it on retryable errors with 0.4.1's back-off (no jitter). */
export async function executeWithRetries<T>(fn: () => Promise<T>, opts: ExecuteOptions): Promise<T> {
  const { deps } = opts;
  const start = deps.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      const retryable = isRetryableSubmitError(error) && (opts.retryable?.(error) ?? true);
      const elapsed = deps.now() - start;
      opts.telemetry?.logGenericEvent(
        "InternalClientHolder.execute_with_retries.exception",
        {
          func: opts.name ?? "submit",
          exception: String(error),
          exception_type: error instanceof Error ? error.name : typeof error,
          exception_stack: error instanceof Error ? (error.stack ?? null) : null,
          status_code: error instanceof APIStatusError ? error.status : null,
          is_retryable: retryable,
          is_user_error: isUserError(error),
          attempt_count: attempt,
          start_time: start / 1000,
          current_time: deps.now() / 1000,
          elapsed_time: elapsed / 1000,
        },
        retryable || isUserError(error) ? "WARNING" : "ERROR",
      );
      if (!retryable || elapsed >= EXECUTE_MAX_WAIT_MS || opts.signal?.aborted) throw error;
      const delay = Math.min(2 ** attempt * 1000, 30_000, start + EXECUTE_MAX_WAIT_MS - deps.now());
      await deps.sleep(Math.max(0, delay), opts.signal);
    }
  }
}
