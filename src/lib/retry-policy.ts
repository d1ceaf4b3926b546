/**
 * The retry policy of every 0.4.1 layer, stated once: which outcomes are tried again and how long to
 * wait first. The loops that act on it live where their I/O is (the transport's attempt loop,
 * clients/retry.ts, the poller, the sampling RetryHandler); the decisions are here, pure, so each
 * can be tested as a table.
 *
 * | layer | 0.4.1 | retried | wait |
 * |---|---|---|---|
 * | HTTP attempt | `_base_client` | connection errors; statuses of {@link isRetryableStatus} unless `x-should-retry: false`; any status with `x-should-retry: true`; up to `maxRetries` (10) | `Retry-After(-Ms)` in (0, 60] s, else 0.5·2ⁿ s (cap 10) × (0.75, 1] |
 * | SDK resubmission | `execute_with_retries` | connection errors; {@link isRetryableStatus}; for 300 s | 1, 2, 4 … 30 s, cut to the 300 s |
 * | future polling | `_result_async` | see {@link classifyPollAnswer} | connection errors 1, 2, 4 … 30 s; pending answers at once (tinker-ts: a short pause when instant) |
 * | sampling re-submission | `RetryHandler` | connection errors, 410 futures, {@link isRetryableStatus}; without limit | 0.5·2ⁿ s (cap 10) ± 25 % |
 */
import {
  APIConnectionError,
  APIStatusError,
  APIUserAbortError,
  FutureExpiredError,
  type RequestErrorCategory,
} from "../errors/index.js";
import { parseRequestErrorCategory } from "../types/enums.js";
import { isRequestFailedResponse, isTryAgainResponse } from "../types/parse.js";
import { exponentialBackoffMs, retrySleepMs } from "./backoff.js";

/** The statuses every layer of 0.4.1 treats as transient: 408, 409, 429 and 5xx. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

// ---- HTTP attempt ---------------------------------------------------------------------------

/** Whether the transport retries a response: `x-should-retry` wins, then {@link isRetryableStatus}. */
export function shouldRetryResponse(status: number, headers: Readonly<Record<string, string>>): boolean {
  const flag = headers["x-should-retry"];
  if (flag === "true") return true;
  if (flag === "false") return false;
  return isRetryableStatus(status);
}

/** The transport's wait before retry `retries` (0-based): the honoured server delay, else back-off. */
export const httpRetryDelayMs = retrySleepMs;

// ---- SDK-level resubmission -----------------------------------------------------------------

/** How long `execute_with_retries` keeps re-running a call (0.4.1 MAX_WAIT_TIME = 300 s). */
export const SUBMIT_MAX_WAIT_MS = 300_000;

/** Whether `execute_with_retries` re-runs a call after this error. */
export function isRetryableSubmitError(error: unknown): boolean {
  if (error instanceof APIUserAbortError) return false;
  if (error instanceof APIConnectionError) return true;
  return error instanceof APIStatusError && isRetryableStatus(error.status);
}

/** Wait before re-run `attempt` (0-based): `min(2^attempt, 30)` s, never past the 300 s budget. */
export function submitRetryDelayMs(attempt: number, startMs: number, nowMs: number): number {
  return Math.max(0, Math.min(exponentialBackoffMs(attempt), startMs + SUBMIT_MAX_WAIT_MS - nowMs));
}

// ---- Sampling re-submission (RetryHandler) --------------------------------------------------

/** The RetryHandler's delay settings (0.4.1 RetryConfig, in ms). */
export interface SampleRetryDelays {
  retryDelayBaseMs: number;
  retryDelayMaxMs: number;
  jitterFactor: number;
}

/** Whether the sampling RetryHandler re-submits a whole sample after this error. */
export function isRetryableSampleError(error: unknown): boolean {
  if (error instanceof APIUserAbortError) return false;
  if (error instanceof APIConnectionError || error instanceof FutureExpiredError) return true;
  return error instanceof APIStatusError && isRetryableStatus(error.status);
}

/** Delay before re-submission `attempt` (0-based): min(base·2^n, max) ± jitter, clipped to [0, max]. */
export function sampleRetryDelayMs(attempt: number, config: SampleRetryDelays, random: () => number): number {
  const delay = Math.min(config.retryDelayBaseMs * 2 ** attempt, config.retryDelayMaxMs);
  const jitter = delay * config.jitterFactor * (2 * random() - 1);
  return Math.max(0, Math.min(delay + jitter, config.retryDelayMaxMs));
}

// The 1 s every sampling client of a holder waits after an `asample` 429 is the generation's
// `retry.sample.backoffMs` (protocol/generation.ts).

// ---- Future polling -------------------------------------------------------------------------

/** What one poll of `/api/v1/retrieve_future` produced: the transport's error, or a 2xx body. */
export type PollAnswer = { readonly error: unknown } | { readonly body: unknown };

/** What the poller does next, and what it logs, for one {@link PollAnswer}. */
export type PollOutcome =
  /** The caller or the client aborted: stop with APIUserAbortError. */
  | { readonly kind: "aborted" }
  /** Still pending (408, 5xx, `try_again`): poll again, pacing instant answers. */
  | {
      readonly kind: "pending";
      /** The HTTP error that said so (408/5xx), absent for `try_again`. */
      readonly error?: APIStatusError;
      /** The `queue_state` of a 408 body (0.4.1 reads it only there). */
      readonly queueState?: unknown;
      /** The 408 body's `queue_state_reason`, when the server explains the wait. */
      readonly queueStateReason?: string;
    }
  /** 429: poll again after the rate-limit back-off (a deviation: 0.4.1 gives up, docs/parity.md). */
  | { readonly kind: "rate_limited"; readonly error: APIStatusError }
  /** 410: the future expired; fail with FutureExpiredError (the sampling client re-submits). */
  | { readonly kind: "expired"; readonly error: APIStatusError }
  /** Any other status: fail with FutureRetrieveError (0.4.1's "Error retrieving result" ValueError). */
  | { readonly kind: "final_status"; readonly error: APIStatusError }
  /** Connection error or per-poll timeout: poll again after 1, 2, 4 … 30 s, without limit. */
  | { readonly kind: "connection"; readonly error: APIConnectionError }
  /** Anything else thrown: fail with it as it is. */
  | { readonly kind: "unexpected"; readonly error: unknown }
  /** A body with `error`: the operation failed (RequestFailedError with this category). */
  | { readonly kind: "failed"; readonly message: unknown; readonly category: RequestErrorCategory }
  /** The result body, to be parsed by the operation's response parser. */
  | { readonly kind: "result"; readonly body: unknown };

/** Whether 0.4.1 logs a poll's HTTP error as one it will retry (`should_retry`; 429 is ours). */
export function pollStatusIsRetried(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status < 600);
}

/** Classify one poll answer exactly as 0.4.1's `_result_async` does (plus the 429 deviation). */
export function classifyPollAnswer(answer: PollAnswer, aborted: boolean): PollOutcome {
  if ("error" in answer) {
    const error = answer.error;
    if (error instanceof APIUserAbortError || aborted) return { kind: "aborted" };
    if (error instanceof APIStatusError) {
      const s = error.status;
      if (s === 408) {
        return {
          kind: "pending",
          error,
          queueState: queueStateOf(error.body),
          queueStateReason: queueStateReasonOf(error.body),
        };
      }
      if (s === 410) return { kind: "expired", error };
      if (s === 429) return { kind: "rate_limited", error };
      if (s >= 500 && s < 600) return { kind: "pending", error };
      return { kind: "final_status", error };
    }
    if (error instanceof APIConnectionError) return { kind: "connection", error };
    return { kind: "unexpected", error };
  }
  const body = answer.body;
  if (isTryAgainResponse(body)) return { kind: "pending" };
  if (isRequestFailedResponse(body)) {
    const b = body as { error: unknown; category?: unknown };
    return { kind: "failed", message: b.error, category: parseRequestErrorCategory(b.category) };
  }
  return { kind: "result", body };
}

/** Wait before the next poll after `k` consecutive connection errors: 1, 2, 4 … 30 s. */
export const pollConnectionDelayMs = exponentialBackoffMs;

function queueStateReasonOf(body: unknown): string | undefined {
  const r =
    typeof body === "object" && body !== null
      ? (body as { queue_state_reason?: unknown }).queue_state_reason
      : undefined;
  return typeof r === "string" && r !== "" ? r : undefined;
}

function queueStateOf(body: unknown): unknown {
  return typeof body === "object" && body !== null && !Array.isArray(body)
    ? (body as { queue_state?: unknown }).queue_state
    : undefined;
}
