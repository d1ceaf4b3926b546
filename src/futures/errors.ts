import { APITimeoutError, TinkerError } from "../core/errors.js";

/**
 * `APIFuture.result({ timeoutMs })` gave up waiting. Only the wait is abandoned: the future keeps
 * polling and a later `result()` / `await` still gets the value (like 0.4.1's sync `result(timeout)`).
 * Extends `APITimeoutError` so callers that already handle transport timeouts handle this too.
 */
export class FutureTimeoutError extends APITimeoutError {
  /** The wait that elapsed, in ms. */
  readonly timeoutMs: number;
  /** Server request id of the awaited future, when known. */
  readonly futureRequestId: string | undefined;
  constructor(timeoutMs: number, requestId: string | undefined) {
    super(
      `Timeout of ${timeoutMs} ms reached while waiting for result of request_id=${requestId ?? "<not submitted>"}`,
    );
    this.timeoutMs = timeoutMs;
    this.futureRequestId = requestId;
  }
}

/**
 * The server answered a poll with HTTP 410: the promise expired or broke (0.4.1 raises its
 * `RetryableException`). Final for training futures; the sampling client re-submits the whole
 * sample when it sees `retryable === true`. `cause` is the 410 `APIStatusError`.
 */
export class FutureExpiredError extends TinkerError {
  /** Always true: the operation may be submitted again. */
  readonly retryable = true;
  /** Request id of the expired future. */
  readonly requestId: string;
  constructor(requestId: string, cause: unknown) {
    super(`Promise expired/broken for request ${requestId}`, "TINKER_FUTURE_EXPIRED", { cause });
    this.requestId = requestId;
  }
}
