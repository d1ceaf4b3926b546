/** Response types of the 0.4.1 API. Parsers live in parse.ts. */
import type { CheckpointType, QueueState, RequestErrorCategory, StopReason } from "./enums.js";
import type { TensorData } from "./tensor-data.js";

/** One loss-function output: named tensors (e.g. `logprobs`). */
export type LossFnOutput = Record<string, TensorData>;

/** Result of forward / forward_backward. */
export interface ForwardBackwardOutput {
  loss_fn_output_type: string;
  loss_fn_outputs: LossFnOutput[];
  metrics: Record<string, number>;
}

/** Result of optim_step. */
export interface OptimStepResponse {
  metrics?: Record<string, number> | null;
}

/** One generated sequence. */
export interface SampledSequence {
  stop_reason: StopReason;
  tokens: number[];
  logprobs?: number[] | null;
}

/** Result of asample. */
export interface SampleResponse {
  type?: "sample";
  sequences: SampledSequence[];
  prompt_logprobs?: Array<number | null> | null;
  topk_prompt_logprobs?: Array<Array<[number, number]> | null> | null;
  /** Prompt tokens billed as prefix-cache hits (0.25.0; 0 when the server reports none). */
  prompt_cache_hit_tokens?: number;
}

/** Result of save_weights. */
export interface SaveWeightsResponse {
  type?: "save_weights";
  path: string;
}

/** Result of load_weights. */
export interface LoadWeightsResponse {
  type?: "load_weights";
  path?: string | null;
}

/** Result of save_weights_for_sampler (`path` or `sampling_session_id`, depending on the request). */
export interface SaveWeightsForSamplerResponse {
  type?: "save_weights_for_sampler";
  path?: string | null;
  sampling_session_id?: string | null;
}

/**
 * What `TrainingClient.saveWeightsForSampler(name)` resolves to: the `tinker://` path of the saved
 * sampler weights, always present (the client refuses an answer without one).
 */
export interface SavedSamplerWeights {
  path: string;
}

/** Model description inside GetInfoResponse. */
export interface ModelData {
  arch?: string | null;
  model_name?: string | null;
  tokenizer_id?: string | null;
}

/** Result of get_info. */
export interface GetInfoResponse {
  type?: "get_info" | null;
  model_data: ModelData;
  model_id: string;
  is_lora?: boolean | null;
  lora_rank?: number | null;
  model_name?: string | null;
}

/** A sampling session's description (GET /api/v1/samplers/{id}; added after 0.4.1). */
export interface GetSamplerResponse {
  /** The sampling session id. */
  sampler_id: string;
  /** The base model the sampler runs. */
  base_model: string;
  /** The `tinker://` sampler weights, when the session samples from saved weights. */
  model_path?: string | null;
}

/** What `POST /api/v1/weights_info` says about a checkpoint (0.25.0; enough to resume from it). */
export interface WeightsInfoResponse {
  /** The base model the checkpoint was trained on. */
  base_model: string;
  /** Whether the checkpoint is a LoRA adapter. */
  is_lora: boolean;
  /** The adapter's rank (LoRA only). */
  lora_rank?: number | null;
  /** Which layers the adapter trains; null means the server did not say (then: trained). */
  train_unembed?: boolean | null;
  train_mlp?: boolean | null;
  train_attn?: boolean | null;
}

/** One model the server can train/sample. */
export interface SupportedModel {
  model_name?: string | null;
}

/** Result of get_server_capabilities. */
export interface GetServerCapabilitiesResponse {
  supported_models: SupportedModel[];
}

/** Result of create_session. */
export interface CreateSessionResponse {
  type?: "create_session";
  session_id: string;
  info_message?: string | null;
  warning_message?: string | null;
  error_message?: string | null;
}

/** Result of create_sampling_session. */
export interface CreateSamplingSessionResponse {
  type?: "create_sampling_session";
  sampling_session_id: string;
}

/** Result of create_model (delivered through a future). */
export interface CreateModelResponse {
  type?: "create_model";
  model_id: string;
}

/** Immediate answer of every future-returning endpoint. */
export interface UntypedAPIFuture {
  request_id: string;
  model_id?: string | null;
}

/** retrieve_future answer while the result is not ready. */
export interface TryAgainResponse {
  type: "try_again";
  request_id: string;
  queue_state: QueueState;
  queue_state_reason?: string | null;
}

/** retrieve_future answer for a failed request. */
export interface RequestFailedResponse {
  error: string;
  category: RequestErrorCategory;
}

/** A stored checkpoint. */
export interface Checkpoint {
  checkpoint_id: string;
  checkpoint_type: CheckpointType;
  /** ISO datetime as sent by the server. */
  time: string;
  tinker_path: string;
  size_bytes?: number | null;
  public?: boolean;
  /** When the checkpoint expires (ISO datetime; null = never; 0.25.0 servers send it). */
  expires_at?: string | null;
}

/** A training run. */
export interface TrainingRun {
  training_run_id: string;
  base_model: string;
  model_owner: string;
  is_lora: boolean;
  corrupted?: boolean;
  lora_rank?: number | null;
  /** ISO datetime. */
  last_request_time: string;
  last_checkpoint?: Checkpoint | null;
  last_sampler_checkpoint?: Checkpoint | null;
  user_metadata?: Record<string, string> | null;
}

/** Pagination cursor. */
export interface Cursor {
  offset: number;
  limit: number;
  total_count: number;
}

/** Page of training runs. */
export interface TrainingRunsResponse {
  training_runs: TrainingRun[];
  cursor: Cursor;
}

/** Page/list of checkpoints. */
export interface CheckpointsListResponse {
  checkpoints: Checkpoint[];
  cursor?: Cursor | null;
}

/** Signed download URL of a checkpoint archive (from the 302 Location/Expires headers). */
export interface CheckpointArchiveUrlResponse {
  url: string;
  /** Naive ISO datetime from the `Expires` header. */
  expires: string;
}
