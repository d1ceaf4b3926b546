/**
 * Futures: the eventual results of API calls.
 *
 * Client methods return an {@link APIFuture} synchronously. For server-side operations it is built
 * with {@link pollingFuture}: the caller's `submit` POSTs the operation and returns `{request_id}`,
 * then `/api/v1/retrieve_future` is polled (45 s per poll, "retrieve_promise" pool, no transport
 * retries) until the result:
 * - HTTP 408, 5xx and `{type:"try_again"}` bodies: still pending, poll again (see {@link PollPacing}
 *   for the short growing pause tinker-ts adds when the server answers instantly — a deviation
 *   from 0.4.1, which re-polls at once).
 * - 408 bodies with `queue_state` feed `spec.onQueueState` (use {@link createQueueStateWarner}) and
 *   the `tinker-ts:future:queue-state` diagnostics channel.
 * - HTTP 410: {@link FutureExpiredError} (`retryable: true`). Other statuses: the `APIStatusError`.
 * - Connection errors / per-poll timeouts: wait 1, 2, 4, … 30 s and poll again, without limit.
 * - A body with `error`: `RequestFailedError` with its `category` ("user" | "server" | "unknown").
 * - Anything else: `spec.parse(body)`.
 * Events: `tinker-ts:future:submitted|queue-state|completed|failed` (payloads in ./events.ts).
 */
export { APIFuture, type ResultOptions } from "./api-future.js";
export { combinedFuture, futureFromPromise, resolvedFuture } from "./combine.js";
export type {
  FutureCompletedMessage,
  FutureFailedMessage,
  FutureQueueStateMessage,
  FutureSubmittedMessage,
} from "./events.js";
export { type FutureContext, pollingFuture } from "./polling.js";
export { createQueueStateWarner, type QueueStateObserver } from "./queue-state.js";
