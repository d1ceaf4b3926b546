/**
 * The 0.25.0 telemetry of a failed poll (`_handle_transport_error` of the SDK's api_future_impl):
 * each HTTP error or connection error gets a `kind` that says how the poller goes on, and one event
 * with the loop's counters. 0.4.1's lighter event is built in polling.ts.
 */
import { errorType } from "../errors/classify.js";
import type { APIError } from "../errors/index.js";
import { pythonStatusErrorText } from "../lib/python-repr.js";
import type { Severity } from "../types/enums.js";

/** How 0.25.0 reacts to a poll's transport error. */
export type PollErrorKind =
  | "retry"
  | "retry_with_backoff"
  | "retry_if_budget"
  | "retryable_exception"
  | "fatal";

/** 408/5xx re-poll, 429 backs off, a bare 400 re-polls while the budget lasts, 410 re-runs, else fatal. */
export function pollErrorKind(status: number): PollErrorKind {
  if (status === 408 || (status >= 500 && status < 600)) return "retry";
  if (status === 410) return "retryable_exception";
  if (status === 429) return "retry_with_backoff";
  if (status === 400) return "retry_if_budget";
  return "fatal";
}

/** The poll loop's counters at the time of the error. */
export interface PollCounters {
  badRequestRetries: number;
  connectionErrorRetries: number;
}

/**
 * The `event_data` (without request id/type, iteration and elapsed time, which the poller adds)
 * and severity of 0.25.0's `api_status_error` (status > 0) or `connection_error` (status 0) event.
 * `postMortem` holds the headers and body 0.25.0 adds for fatal errors and bare 400s.
 */
export function pollErrorEvent025(
  error: APIError,
  status: number,
  counters: PollCounters,
  postMortem: Record<string, unknown>,
): { data: Record<string, unknown>; severity: Severity } {
  const kind = status === 0 ? "retry_with_backoff" : pollErrorKind(status);
  // `str(e)`: the SDK's status errors read "Error code: N - <body>"; a connection error its message.
  const text = status === 0 ? error.message : pythonStatusErrorText(status, error.body);
  const data: Record<string, unknown> = {
    status_code: status,
    detail: text,
    kind,
    should_retry: kind !== "fatal",
    is_user_error: status >= 400 && status < 500 && status !== 408,
    exception: text,
    exception_type: errorType(error),
    bad_request_retries: counters.badRequestRetries,
    connection_error_retries: counters.connectionErrorRetries,
  };
  if (kind === "fatal" || kind === "retry_if_budget") Object.assign(data, postMortem);
  return { data, severity: kind === "fatal" || kind === "retry_if_budget" ? "ERROR" : "WARNING" };
}
