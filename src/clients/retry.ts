/**
 * SDK-level retry around a submit call, as 0.4.1's `InternalClientHolder.execute_with_retries`:
 * connection errors and 408/409/429/5xx are re-run (a fresh request each time, so a new
 * idempotency key) after 1, 2, 4 … 30 s, until 300 s have passed since the first attempt.
 * With a billing pause (0.25.0) a 402 inside the holder's window is re-sent after 5 s first.
 */
import { currentControl, notePhase } from "../core/deadline.js";
import { isUserError } from "../errors/classify.js";
import { APIStatusError } from "../errors/index.js";
import type { BillingPause } from "../lib/billing-pause.js";
import type { Deps } from "../lib/deps.js";
import { isRetryableSubmitError, SUBMIT_MAX_WAIT_MS, submitRetryDelayMs } from "../lib/retry-policy.js";
import type { SdkLogger } from "../core/logger.js";
import type { TelemetryReporter } from "../telemetry/index.js";

/** Options of {@link executeWithRetries}. */
export interface ExecuteOptions {
  deps: Deps;
  telemetry?: TelemetryReporter | null;
  signal?: AbortSignal;
  /** Extra predicate: errors for which it returns false are not retried (deviations, e.g. 409 on publish). */
  retryable?: (error: unknown) => boolean;
  /** Name recorded in telemetry events. */
  name?: string;
  /** Debug line per retry; one warning once the retrying has lasted RETRY_WARN_AFTER_MS. */
  logger?: SdkLogger;
  /**
   * The holder's billing pause (0.25.0, fact 16): a 402 inside its window is re-sent after
   * `pauseMs`, with no telemetry and no attempt counted. Absent: a 402 fails as any 4xx.
   */
  billing?: { gate: BillingPause; pauseMs: number };
}

/** A call still resubmitting after this long is reported (once) as a warning. */
export const RETRY_WARN_AFTER_MS = 30_000;

/** Run `fn`, re-running it on retryable errors with 0.4.1's back-off (no jitter; lib/retry-policy.ts). */
export async function executeWithRetries<T>(fn: () => Promise<T>, opts: ExecuteOptions): Promise<T> {
  const { deps } = opts;
  const start = deps.now();
  // A per-call maxRetries bounds this layer too (0.4.1's is time-based only).
  const maxRetries = currentControl()?.maxRetries ?? Number.POSITIVE_INFINITY;
  let warned = false;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (opts.billing && error instanceof APIStatusError && !opts.signal?.aborted) {
        if (opts.billing.gate.shouldPause(error.status, error.message)) {
          notePhase(
            `paused for billing: re-sending ${opts.name ?? "the request"} after ${opts.billing.pauseMs} ms`,
          );
          await deps.sleep(opts.billing.pauseMs, opts.signal);
          attempt--; // not an attempt: 0.25.0 re-sends without counting it
          continue;
        }
      }
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
      if (!retryable || elapsed >= SUBMIT_MAX_WAIT_MS || attempt >= maxRetries || opts.signal?.aborted) {
        throw error;
      }
      const delayMs = submitRetryDelayMs(attempt, start, deps.now());
      const what = `${opts.name ?? "submit"}: attempt ${attempt + 1} failed ${describe(error)}; retrying in ${delayMs} ms`;
      opts.logger?.debug(what);
      if (!warned && elapsed >= RETRY_WARN_AFTER_MS) {
        warned = true;
        opts.logger?.warn(
          `${what} (still retrying after ${Math.round(elapsed / 1000)} s, ${attempt + 1} attempts; gives up after ${SUBMIT_MAX_WAIT_MS / 1000} s)`,
        );
      }
      notePhase(
        `backing off ${delayMs} ms before resubmitting ${opts.name ?? "the request"} (${describe(error)})`,
      );
      await deps.sleep(delayMs, opts.signal);
    }
  }
}

/** One line for a retried error: status or class, never headers or bodies (no secrets). */
export function describe(error: unknown): string {
  if (error instanceof APIStatusError) return `after ${error.status}`;
  return error instanceof Error ? `after ${error.name}` : "after an error";
}
