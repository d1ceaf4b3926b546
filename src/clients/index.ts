/** The public clients: ServiceClient and the Training/Sampling/Rest clients it creates. */
export { type PageOptions, RestClient } from "./rest-client.js";
export { DEFAULT_RETRY_CONFIG, type RetryConfig, RetryHandler, resolveRetryConfig } from "./retry-handler.js";
export { type SampleOptions, SamplingClient, type SamplingClientInit } from "./sampling-client.js";
export {
  type LoraTrainingOptions,
  type SamplingSource,
  ServiceClient,
  type ServiceClientOptions,
} from "./service-client.js";
export {
  HEARTBEAT_PERIOD_MS,
  HEARTBEAT_WARNING_AFTER_MS,
  SAMPLE_DISPATCH_LIMIT,
  SessionHolder,
} from "./session-holder.js";
export {
  type CallOptions,
  type CustomLossFn,
  type CustomLossResult,
  TrainingClient,
} from "./training-client.js";
