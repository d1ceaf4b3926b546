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
} as const;

/** Message on `tinker-ts:request:start`; subscribers may add to `headers` (e.g. traceparent). */
export interface RequestStartMessage {
  method: string;
  path: string;
  pool: string;
  attempt: number;
  headers: Record<string, string>;
}
/** Message on `tinker-ts:request:end`. */
export interface RequestEndMessage {
  method: string;
  path: string;
  pool: string;
  attempt: number;
  status: number;
  durationMs: number;
}
/** Message on `tinker-ts:request:error` (attempt failed without a usable response). */
export interface RequestErrorMessage {
  method: string;
  path: string;
  pool: string;
  attempt: number;
  status?: number;
  durationMs: number;
  error: Error;
}
/** Message on `tinker-ts:request:retry`. */
export interface RequestRetryMessage {
  method: string;
  path: string;
  pool: string;
  attempt: number;
  status?: number;
  delayMs: number;
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
};
