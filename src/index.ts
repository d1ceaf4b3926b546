/**
 * tinker-ts: the TypeScript SDK for the Tinker fine-tuning API.
 *
 * The package root re-exports the public surface: the clients, their futures, the wire types,
 * errors, metrics helpers and tokenizers. The emulator lives at `tinker-ts/emulator`.
 */

export {
  type CallOptions,
  type ClientDeps,
  type CustomLossFn,
  type CustomLossResult,
  type LoraTrainingOptions,
  type PageOptions,
  RestClient,
  type RetryConfig,
  type SampleOptions,
  SamplingClient,
  type SamplingClientInit,
  type SamplingSource,
  ServiceClient,
  type ServiceClientOptions,
  type SessionHolderOptions,
  TrainingClient,
} from "./clients/index.js";
export {
  DEFAULT_BASE_URL,
  DEFAULT_MAX_RETRIES,
  DEFAULT_TIMEOUT_MS,
  type ClientOptions,
} from "./core/config.js";
export {
  APIConnectionError,
  APIError,
  APIStatusError,
  APITimeoutError,
  APIUserAbortError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  RequestFailedError,
  TinkerError,
  UnprocessableEntityError,
  CheckpointDownloadError,
  type CheckpointDownloadErrorCode,
  ResponseTooLargeError,
} from "./core/errors.js";
export { DEFAULT_MAX_RESPONSE_BYTES } from "./core/body-limit.js";
export {
  type DownloadCheckpointOptions,
  type DownloadCheckpointResult,
  type DownloadProgress,
  downloadCheckpoint,
} from "./clients/download.js";
export { UnsafeArchiveError } from "./clients/archive.js";
export {
  type CallEndMessage,
  type CallStartMessage,
  CHANNELS,
  type ClientClosedMessage,
  type ClientCreatedMessage,
  type RequestEndMessage,
  type RequestErrorMessage,
  type RequestMessageBase,
  type RequestRetryMessage,
  type RequestStartMessage,
} from "./core/instrumentation.js";
export {
  APIFuture,
  type FutureCompletedMessage,
  type FutureDeps,
  FutureExpiredError,
  type FutureFailedMessage,
  type FutureQueueStateMessage,
  type FutureSubmittedMessage,
  FutureTimeoutError,
  type ResultOptions,
} from "./futures/index.js";
export {
  type ChunkResult,
  type CombinedChunkResult,
  combineForwardBackwardOutputs,
  MetricsReductionError,
  reduceMetrics,
} from "./lib/metrics.js";
export { MAX_CHUNK_LEN, MAX_CHUNK_NUMBER_COUNT } from "./lib/chunking.js";
export {
  buildTinkerPath,
  isTinkerPath,
  type ParsedTinkerPath,
  parseTinkerPath,
  TinkerPathError,
} from "./lib/tinker-path.js";
export {
  BYTE_TOKENIZER_ID,
  byteTokenizer,
  type ChatMessage,
  type ChatTemplateOptions,
  loadTokenizer,
  type Tokenizer,
  TokenizerError,
  type TokenizerLocation,
} from "./tokenizer/index.js";
export type { TelemetryReporter } from "./telemetry/index.js";
export * from "./types/index.js";
export { VERSION } from "./version.js";
export {
  enableOpenTelemetry,
  type OpenTelemetryHandle,
  type OpenTelemetryOptions,
  type TracerLike,
  type TracerProviderLike,
} from "./telemetry/otel.js";
