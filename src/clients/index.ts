/** The public clients: ServiceClient and the Training/Sampling/Rest clients it creates. */
export {
  type AccessScopeOptions,
  type AuditLogOptions,
  type CheckpointDeletion,
  type ExportSessionTraceOptions,
  type ListSessionsOptions,
  type ListTrainingRunsOptions,
  type PageOptions,
  RestClient,
  type TraceExportWaitOptions,
} from "./rest-client.js";
export { DEFAULT_RETRY_CONFIG, type RetryConfig } from "./retry-handler.js";
export { type SampleOptions, SamplingClient, type SamplingClientOptions } from "./sampling-client.js";
export type { FromStateOptions } from "./from-state.js";
export {
  type LoraTrainingOptions,
  type SamplingSource,
  ServiceClient,
  type ServiceClientOptions,
} from "./service-client.js";
export type { TokenizerOptions } from "./tokenizer-cache.js";
export type { WhoamiResponse } from "./whoami.js";
export {
  type CallOptions,
  type CustomLossFn,
  type CustomLossResult,
  type ForwardOptions,
  TrainingClient,
} from "./training-client.js";
export type {
  LoadStateOptions,
  SaveStateOptions,
  SaveWeightsForSamplerOptions,
} from "./training-state.js";
