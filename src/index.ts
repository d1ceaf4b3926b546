/**
 * tinker-ts: the TypeScript SDK for the Tinker fine-tuning API.
 *
 * The package root is the public surface, listed name by name (test/unit/public-api.test.ts keeps
 * a snapshot, so a change shows up as a diff): the clients, their futures, the wire types users
 * build and receive, errors, metrics helpers and tokenizers. Codec internals (message builders,
 * parsers, validators) stay inside. The emulator lives at `tinker-ts/emulator`.
 */

export {
  type AccessScopeOptions,
  type AuditLogOptions,
  type CallOptions,
  type CheckpointDeletion,
  type CustomLossFn,
  type CustomLossResult,
  type ExportSessionTraceOptions,
  type ForwardOptions,
  type ListSessionsOptions,
  type ListTrainingRunsOptions,
  type FromStateOptions,
  type LoadStateOptions,
  type LoraTrainingOptions,
  type PageOptions,
  RestClient,
  type RetryConfig,
  type SampleOptions,
  SamplingClient,
  type SamplingClientOptions,
  type SamplingSource,
  type SaveStateOptions,
  type SaveWeightsForSamplerOptions,
  ServiceClient,
  type ServiceClientOptions,
  type TokenizerOptions,
  type TraceExportWaitOptions,
  TrainingClient,
  type WhoamiResponse,
} from "./clients/index.js";
export {
  type AuthTokenResponse,
  type ClientDynamicConfig,
  type FutureRetrieveResponse,
  type HealthResponse,
  LowLevelClient,
  type LowLevelClientOptions,
  LowLevelFutures,
  LowLevelModels,
  type UnloadModelResponse,
} from "./clients/lowlevel/index.js";
export type { ClientConfigFlags } from "./protocol/client-config.js";
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
  BadResponseError,
  FutureExpiredError,
  FutureRetrieveError,
  FutureTimeoutError,
  RequestFailedError,
  TinkerError,
  UnprocessableEntityError,
  ValidationError,
  CheckpointDownloadError,
  type CheckpointDownloadErrorCode,
  ResponseTooLargeError,
} from "./errors/index.js";
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
  type FutureFailedMessage,
  type FutureQueueStateMessage,
  type FutureSubmittedMessage,
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
  type DecodeOptions,
  type EncodeOptions,
  loadTokenizer,
  loadTokenizerFromDir,
  type Tokenizer,
  TokenizerError,
  type TokenizerLocation,
  type TokenizerNaming,
  type TokenizerWithVocab,
} from "./tokenizer/index.js";
export type { TelemetryReporter } from "./telemetry/index.js";
export { type Datum, type DatumInit, datum, type LossFnInputValue } from "./types/datum.js";
export {
  type CheckpointType,
  LOSS_FN_TYPES,
  type LossFnType,
  type QueueState,
  type RequestErrorCategory,
  type Severity,
  type StopReason,
} from "./types/enums.js";
export {
  type EncodedTextChunk,
  type ImageAssetPointerChunk,
  type ImageChunk,
  type ImageFormat,
  type ImageSize,
  imageChunk,
  ModelInput,
  type ModelInputChunk,
  type ModelInputChunkJSON,
  type ModelInputJSON,
} from "./types/model-input.js";
export {
  ADAM_PARAMS_DEFAULTS,
  type AdamParams,
  SAMPLING_PARAMS_DEFAULTS,
  type SamplingParams,
} from "./types/params.js";
export type { LossFnConfig, LossFnConfigFor, PpoLossFnConfig } from "./types/requests.js";
export type { CallDefaults, RequestCallOptions } from "./core/deadline.js";
export type { Logger, LogLevel } from "./core/logger.js";
export type {
  Checkpoint,
  CheckpointArchiveUrlResponse,
  CheckpointsListResponse,
  CreateModelResponse,
  Cursor,
  ForwardBackwardOutput,
  GetInfoResponse,
  GetSamplerResponse,
  GetServerCapabilitiesResponse,
  LoadWeightsResponse,
  LossFnOutput,
  ModelData,
  OptimStepResponse,
  RequestFailedResponse,
  SampledSequence,
  SampleResponse,
  SavedSamplerWeights,
  SaveWeightsForSamplerResponse,
  SaveWeightsResponse,
  SupportedModel,
  TrainingRun,
  TrainingRunsResponse,
  TryAgainResponse,
  UntypedAPIFuture,
  WeightsInfoResponse,
} from "./types/responses.js";
export type {
  AccessScope,
  AuditLogEntry,
  AuditLogResponse,
  BillingEventInfo,
  BillingUsageEvent,
  BillingUsageResponse,
  BillingUsageSession,
  GetSessionResponse,
  ListSessionsResponse,
} from "./types/rest-responses.js";
export {
  type NumericTypedArray,
  TensorData,
  type TensorDataJSON,
  type TensorDtype,
} from "./types/tensor-data.js";
export { VERSION } from "./version.js";
export {
  enableOpenTelemetry,
  type OpenTelemetryHandle,
  type OpenTelemetryOptions,
  type TracerLike,
  type TracerProviderLike,
} from "./telemetry/otel.js";
export type { ProtocolName } from "./protocol/generation.js";
export { AuthError } from "./protocol/auth/errors.js";
