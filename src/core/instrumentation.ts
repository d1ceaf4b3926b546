import diagnostics from "node:diagnostics_channel";

/** Channel names published by tinker-ts. Payloads never contain the API key. */
export const CHANNELS = {
  requestStart: "tinker-ts:request:start",
  requestEnd: "tinker-ts:request:end",
  requestError: "tinker-ts:request:error",
  requestRetry: "tinker-ts:request:retry",
  futureSubmitted: "tinker-ts:future:submitted",
  futureQueueState: "tinker-ts:future:queue-state",
  futureCompleted: "tinker-ts:future:completed",
  futureFailed: "tinker-ts:future:failed",
  clientCreated: "tinker-ts:client:created",
  clientClosed: "tinker-ts:client:closed",
  callStart: "tinker-ts:call:start",
  callEnd: "tinker-ts:call:end",
} as const;

/** Fields every request message carries. */
export interface RequestMessageBase {
  /** Unique per HTTP attempt in this process: pairs a start with its end or error. */
  attemptId: number;
  /** The public SDK call that made the request (see `tinker-ts:call:start`), when calls are traced. */
  callId: number | undefined;
  method: string;
  /** Path as sent, e.g. /api/v1/forward_backward. */
  path: string;
  /** Full URL without credentials (the API key travels in a header, never in the URL). */
  url: string;
  pool: string;
  /** 0 for the first attempt, then the retry number (x-stainless-retry-count). */
  attempt: number;
}

/**
 * Message on `tinker-ts:request:start`. `headers` are the request's headers without credentials
 * (`x-api-key`, `authorization`, `cf-access-client-secret`); headers a subscriber adds to it (e.g.
 * `traceparent`) are sent with the request.
 */
export interface RequestStartMessage extends RequestMessageBase {
  headers: Record<string, string>;
}
/** Message on `tinker-ts:request:end`. */
export interface RequestEndMessage extends RequestMessageBase {
  status: number;
  durationMs: number;
}
/** Message on `tinker-ts:request:error` (attempt failed without a usable response). */
export interface RequestErrorMessage extends RequestMessageBase {
  status?: number;
  durationMs: number;
  error: Error;
}
/** Message on `tinker-ts:request:retry`. */
export interface RequestRetryMessage extends RequestMessageBase {
  status?: number;
  delayMs: number;
}

/** Message on `tinker-ts:client:created`. */
export interface ClientCreatedMessage {
  client: "ServiceClient" | "TrainingClient" | "SamplingClient" | "RestClient";
  /** Session id (known once create_session answered; undefined for a RestClient made before). */
  sessionId: string | undefined;
  /** TrainingClient: its model id. */
  modelId?: string;
  /** SamplingClient: its sampling session id. */
  samplingSessionId?: string;
}
/** Message on `tinker-ts:client:closed` (a ServiceClient and everything made from it). */
export interface ClientClosedMessage {
  client: "ServiceClient";
  sessionId: string | undefined;
}
/** Message on `tinker-ts:call:start`: a public SDK call began (published only with subscribers). */
export interface CallStartMessage {
  callId: number;
  /** `Client.method`, e.g. "TrainingClient.forwardBackward". */
  name: string;
}
/** Message on `tinker-ts:call:end`; `error` is set when the call failed. */
export interface CallEndMessage {
  callId: number;
  name: string;
  durationMs: number;
  error?: Error;
}

/** Channel objects, created once. */
export const channels = {
  requestStart: diagnostics.channel(CHANNELS.requestStart),
  requestEnd: diagnostics.channel(CHANNELS.requestEnd),
  requestError: diagnostics.channel(CHANNELS.requestError),
  requestRetry: diagnostics.channel(CHANNELS.requestRetry),
  futureSubmitted: diagnostics.channel(CHANNELS.futureSubmitted),
  futureQueueState: diagnostics.channel(CHANNELS.futureQueueState),
  futureCompleted: diagnostics.channel(CHANNELS.futureCompleted),
  futureFailed: diagnostics.channel(CHANNELS.futureFailed),
  clientCreated: diagnostics.channel(CHANNELS.clientCreated),
  clientClosed: diagnostics.channel(CHANNELS.clientClosed),
  callStart: diagnostics.channel(CHANNELS.callStart),
  callEnd: diagnostics.channel(CHANNELS.callEnd),
};
