import type { QueueState } from "../types/index.js";

/** Message on `tinker-ts:future:submitted`: the submit call returned a request id. */
export interface FutureSubmittedMessage {
  requestId: string;
  requestType: string;
  /** Time the submit call took, ms (sent as X-Tinker-Create-Promise-Roundtrip-Time in seconds). */
  roundtripMs: number;
}

/** Message on `tinker-ts:future:queue-state`: a poll reported a queue state different from the last. */
export interface FutureQueueStateMessage {
  requestId: string;
  requestType: string;
  queueState: QueueState;
  /** State this future saw before, undefined on the first report. */
  previous: QueueState | undefined;
  /** Raw `queue_state` value from the server (e.g. "draining" for `unknown`). */
  raw: string;
}

/** Message on `tinker-ts:future:completed`. */
export interface FutureCompletedMessage {
  requestId: string;
  requestType: string;
  /** Number of retrieve_future polls made. */
  polls: number;
  durationMs: number;
}

/** Message on `tinker-ts:future:failed`. `requestId` is undefined when the submit itself failed. */
export interface FutureFailedMessage {
  requestId: string | undefined;
  requestType: string;
  polls: number;
  durationMs: number;
  error: Error;
}
