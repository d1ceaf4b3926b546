/**
 * Request bodies and their encoders. Each encoder returns the exact JSON 0.4.1 sends: fields the SDK
 * leaves unset are omitted (no `type` discriminators), fields it passes as None are `null`.
 */
import { ValidationError } from "../errors/index.js";
import { type Datum, type DatumJSON, encodeDatum } from "./datum.js";
import { LOSS_FN_TYPES, type LossFnType } from "./enums.js";
import { ModelInput, type ModelInputJSON } from "./model-input.js";
import {
  type AdamParams,
  encodeAdamParams,
  encodeLoraConfig,
  encodeSamplingParams,
  type LoraConfig,
  type LoraConfigJSON,
  type SamplingParams,
} from "./params.js";
import {
  assertFinite,
  assertInt,
  assertNonEmptyString,
  assertNonNegativeInt,
  assertString,
  assertStringRecord,
} from "./validation.js";

/** Body of POST /api/v1/create_session. */
export interface CreateSessionRequest {
  tags: string[];
  user_metadata: Record<string, string>;
  sdk_version: string;
  /** 0.25.0 only: the project the session belongs to (absent unless set). */
  project_id?: string;
}

/** Encodes create_session (tags [] and user_metadata {} rather than null, as 0.4.1). */
export function encodeCreateSessionRequest(a: {
  tags?: readonly string[];
  user_metadata?: Record<string, string> | null;
  sdk_version: string;
}): CreateSessionRequest {
  (a.tags ?? []).forEach((t, i) => {
    assertString(t, `tags[${i}]`);
  });
  return {
    tags: [...(a.tags ?? [])],
    user_metadata: { ...(a.user_metadata ?? {}) },
    sdk_version: a.sdk_version,
  };
}

/** Body of POST /api/v1/create_model. */
export interface CreateModelRequest {
  session_id: string;
  model_seq_id: number;
  base_model: string;
  user_metadata: Record<string, string> | null;
  lora_config: LoraConfigJSON;
}

/** Encodes create_model (user_metadata null when absent; lora_config fully filled in). */
export function encodeCreateModelRequest(a: {
  session_id: string;
  model_seq_id: number;
  base_model: string;
  user_metadata?: Record<string, string> | null;
  lora_config: LoraConfig;
}): CreateModelRequest {
  assertNonEmptyString(a.base_model, "base_model");
  assertNonNegativeInt(a.model_seq_id, "model_seq_id");
  if (a.user_metadata != null) assertStringRecord(a.user_metadata, "user_metadata");
  return {
    session_id: a.session_id,
    model_seq_id: a.model_seq_id,
    base_model: a.base_model,
    user_metadata: a.user_metadata ?? null,
    lora_config: encodeLoraConfig(a.lora_config),
  };
}

/** Body of POST /api/v1/create_sampling_session (both keys present, one null). */
export interface CreateSamplingSessionRequest {
  session_id: string;
  sampling_session_seq_id: number;
  base_model: string | null;
  model_path: string | null;
}

/** Encodes create_sampling_session; exactly one of base_model / model_path is expected. */
export function encodeCreateSamplingSessionRequest(a: {
  session_id: string;
  sampling_session_seq_id: number;
  base_model?: string | null;
  model_path?: string | null;
}): CreateSamplingSessionRequest {
  if (a.base_model == null && a.model_path == null) {
    throw new ValidationError("model_path", "either base_model or model_path must be given");
  }
  return {
    session_id: a.session_id,
    sampling_session_seq_id: a.sampling_session_seq_id,
    base_model: a.base_model ?? null,
    model_path: a.model_path ?? null,
  };
}

/** Loss-function config as sent: floats by name (e.g. PPO clip thresholds). */
export type LossFnConfig = Record<string, number>;

/** PPO's config: the clip range of the probability ratio (server defaults 0.8 / 1.2). */
export interface PpoLossFnConfig {
  clip_low_threshold?: number;
  clip_high_threshold?: number;
}

/**
 * The config `forward`/`forwardBackward` accept for each loss function: PPO's clip thresholds;
 * cross_entropy and importance_sampling take none (so a misspelt key does not compile).
 */
export type LossFnConfigFor<L extends LossFnType> = L extends "ppo" ? PpoLossFnConfig : Record<string, never>;

/** Inner `forward_input`/`forward_backward_input` object. */
export interface ForwardBackwardInput {
  data: DatumJSON[];
  loss_fn: LossFnType;
  loss_fn_config: LossFnConfig | null;
}

/** Body of POST /api/v1/forward_backward. */
export interface ForwardBackwardRequest {
  forward_backward_input: ForwardBackwardInput;
  model_id: string;
  seq_id: number;
}

/** Body of POST /api/v1/forward. */
export interface ForwardRequest {
  forward_input: ForwardBackwardInput;
  model_id: string;
  seq_id: number;
}

/** Throws unless `value` is a 0.4.1 loss function name. */
export function assertLossFn(value: unknown): asserts value is LossFnType {
  if (!LOSS_FN_TYPES.includes(value as LossFnType)) {
    throw new ValidationError(
      "loss_fn",
      `unknown loss function ${JSON.stringify(value)}; expected one of ${LOSS_FN_TYPES.join(", ")}`,
    );
  }
}

/** Builds the shared forward/forward_backward input (loss_fn_config null when absent, as 0.4.1). */
export function encodeForwardBackwardInput(
  data: readonly Datum[],
  lossFn: LossFnType,
  lossFnConfig?: LossFnConfig | null,
): ForwardBackwardInput {
  assertLossFn(lossFn);
  if (lossFnConfig != null) {
    for (const [k, v] of Object.entries(lossFnConfig)) assertFinite(v, `loss_fn_config.${k}`);
  }
  return {
    data: data.map(encodeDatum),
    loss_fn: lossFn,
    loss_fn_config: lossFnConfig == null ? null : { ...lossFnConfig },
  };
}

/** Encodes forward_backward. */
export function encodeForwardBackwardRequest(a: {
  data: readonly Datum[];
  loss_fn: LossFnType;
  loss_fn_config?: LossFnConfig | null;
  model_id: string;
  seq_id: number;
}): ForwardBackwardRequest {
  assertInt(a.seq_id, "seq_id");
  return {
    forward_backward_input: encodeForwardBackwardInput(a.data, a.loss_fn, a.loss_fn_config),
    model_id: a.model_id,
    seq_id: a.seq_id,
  };
}

/** Encodes forward. */
export function encodeForwardRequest(a: {
  data: readonly Datum[];
  loss_fn: LossFnType;
  loss_fn_config?: LossFnConfig | null;
  model_id: string;
  seq_id: number;
}): ForwardRequest {
  assertInt(a.seq_id, "seq_id");
  return {
    forward_input: encodeForwardBackwardInput(a.data, a.loss_fn, a.loss_fn_config),
    model_id: a.model_id,
    seq_id: a.seq_id,
  };
}

/** Body of POST /api/v1/optim_step. */
export interface OptimStepRequest {
  adam_params: AdamParams;
  model_id: string;
  seq_id: number;
}

/** Encodes optim_step (adam_params holds only the keys the caller set). */
export function encodeOptimStepRequest(a: {
  adam_params: AdamParams;
  model_id: string;
  seq_id: number;
}): OptimStepRequest {
  assertInt(a.seq_id, "seq_id");
  return { adam_params: encodeAdamParams(a.adam_params), model_id: a.model_id, seq_id: a.seq_id };
}

/** Body of POST /api/v1/save_weights. */
export interface SaveWeightsRequest {
  model_id: string;
  path: string;
  seq_id: number;
  /** Seconds until the checkpoint expires (absent: never). Sent only when set. */
  ttl_seconds?: number;
  /** Replace a checkpoint of the same name (0.25.0 sends `false` by default). Sent only when set. */
  overwrite?: boolean;
}

/** Checks an optional checkpoint TTL: a positive whole number of seconds, or null/undefined. */
function checkTtl(ttl: unknown, field = "ttl_seconds"): void {
  if (ttl == null) return;
  assertInt(ttl, field);
  if ((ttl as number) <= 0) throw new ValidationError(field, `must be > 0, got ${ttl}`);
}

/** Encodes save_weights (save_state); `ttl_seconds` and `overwrite` only when given. */
export function encodeSaveWeightsRequest(a: {
  model_id: string;
  path: string;
  seq_id: number;
  ttl_seconds?: number | null;
  overwrite?: boolean;
}): SaveWeightsRequest {
  assertString(a.path, "path");
  assertInt(a.seq_id, "seq_id");
  checkTtl(a.ttl_seconds);
  if (a.overwrite !== undefined && typeof a.overwrite !== "boolean") {
    throw new ValidationError("overwrite", "expected a boolean");
  }
  const out: SaveWeightsRequest = { model_id: a.model_id, path: a.path, seq_id: a.seq_id };
  if (a.ttl_seconds != null) out.ttl_seconds = a.ttl_seconds;
  if (a.overwrite !== undefined) out.overwrite = a.overwrite;
  return out;
}

/**
 * Body of POST /api/v1/load_weights. Addressed by `model_id` + `seq_id` (a model's ordered load)
 * or, 0.25.0's create-via-load (fact 21), by `session_id` + `model_seq_id` with no model yet.
 */
export interface LoadWeightsRequest {
  model_id?: string;
  seq_id?: number;
  session_id?: string;
  model_seq_id?: number;
  base_model?: string;
  user_metadata?: Record<string, string>;
  path: string;
  /** Restore the optimizer state too. 0.4.1 never sends it; 0.25.0 always does (false by default). */
  optimizer?: boolean;
  /** A key of the account owning the checkpoint (0.25.0). */
  weights_access_token?: string;
}

/**
 * Encodes load_weights (load_state); `path` is a full tinker:// path. Only the fields given are
 * set, so 0.4.1's `load_state` stays `{model_id, path, seq_id}`.
 */
export function encodeLoadWeightsRequest(a: {
  model_id?: string;
  seq_id?: number;
  session_id?: string;
  model_seq_id?: number;
  base_model?: string | null;
  user_metadata?: Record<string, string> | null;
  path: string;
  optimizer?: boolean;
  weights_access_token?: string | null;
}): LoadWeightsRequest {
  assertString(a.path, "path");
  if (a.model_id === undefined && a.session_id === undefined) {
    throw new ValidationError("model_id", "either model_id or session_id must be given");
  }
  // 0.4.1's key order: model_id, path, seq_id (the 0.25.0 codec orders by its model).
  const out = (a.model_id !== undefined ? { model_id: a.model_id } : {}) as LoadWeightsRequest;
  out.path = a.path;
  if (a.seq_id !== undefined) {
    assertInt(a.seq_id, "seq_id");
    out.seq_id = a.seq_id;
  }
  if (a.session_id !== undefined) out.session_id = a.session_id;
  if (a.model_seq_id !== undefined) {
    assertNonNegativeInt(a.model_seq_id, "model_seq_id");
    out.model_seq_id = a.model_seq_id;
  }
  if (a.base_model != null) {
    assertNonEmptyString(a.base_model, "base_model");
    out.base_model = a.base_model;
  }
  if (a.user_metadata != null) {
    assertStringRecord(a.user_metadata, "user_metadata");
    out.user_metadata = { ...a.user_metadata };
  }
  if (a.optimizer !== undefined) out.optimizer = a.optimizer;
  if (a.weights_access_token != null) {
    assertNonEmptyString(a.weights_access_token, "weights_access_token");
    out.weights_access_token = a.weights_access_token;
  }
  return out;
}

/** Body of POST /api/v1/save_weights_for_sampler: `path` or `sampling_session_seq_id`, never both. */
export interface SaveWeightsForSamplerRequest {
  model_id: string;
  path?: string;
  sampling_session_seq_id?: number;
  seq_id: number;
  /** Seconds until the sampler weights expire (absent: never). Sent only when set. */
  ttl_seconds?: number;
}

/** Encodes save_weights_for_sampler; the unused alternative is omitted, not null (0.4.1). */
export function encodeSaveWeightsForSamplerRequest(a: {
  model_id: string;
  path?: string;
  sampling_session_seq_id?: number;
  seq_id: number;
  ttl_seconds?: number | null;
}): SaveWeightsForSamplerRequest {
  assertInt(a.seq_id, "seq_id");
  checkTtl(a.ttl_seconds);
  const out: SaveWeightsForSamplerRequest = { model_id: a.model_id } as SaveWeightsForSamplerRequest;
  if (a.path !== undefined) {
    assertString(a.path, "path");
    out.path = a.path;
  }
  if (a.sampling_session_seq_id !== undefined) {
    assertNonNegativeInt(a.sampling_session_seq_id, "sampling_session_seq_id");
    out.sampling_session_seq_id = a.sampling_session_seq_id;
  }
  out.seq_id = a.seq_id;
  if (a.ttl_seconds != null) out.ttl_seconds = a.ttl_seconds;
  return out;
}

/** Body of POST /api/v1/asample. */
export interface SampleRequest {
  num_samples: number;
  prompt: ModelInputJSON;
  sampling_params: SamplingParams;
  sampling_session_id: string;
  seq_id: number;
  prompt_logprobs: boolean;
  topk_prompt_logprobs: number;
}

/** Encodes asample (prompt_logprobs false and topk 0 unless asked, as 0.4.1). */
export function encodeSampleRequest(a: {
  num_samples: number;
  prompt: ModelInput | ModelInputJSON;
  sampling_params?: SamplingParams;
  sampling_session_id: string;
  seq_id: number;
  prompt_logprobs?: boolean;
  topk_prompt_logprobs?: number;
}): SampleRequest {
  assertInt(a.num_samples, "num_samples");
  if (a.num_samples < 1) throw new ValidationError("num_samples", `must be >= 1, got ${a.num_samples}`);
  assertInt(a.seq_id, "seq_id");
  const topk = a.topk_prompt_logprobs ?? 0;
  assertNonNegativeInt(topk, "topk_prompt_logprobs");
  return {
    num_samples: a.num_samples,
    prompt: ModelInput.from(a.prompt).toJSON(),
    sampling_params: encodeSamplingParams(a.sampling_params ?? {}),
    sampling_session_id: a.sampling_session_id,
    seq_id: a.seq_id,
    prompt_logprobs: a.prompt_logprobs ?? false,
    topk_prompt_logprobs: topk,
  };
}

/** Body of POST /api/v1/retrieve_future. */
export interface FutureRetrieveRequest {
  request_id: string;
  /** 0.25.0 only: the server may answer `complete_metadata` first (fact 8). */
  allow_metadata_only?: boolean;
}

/** Encodes retrieve_future. */
export function encodeFutureRetrieveRequest(requestId: string): FutureRetrieveRequest {
  assertString(requestId, "request_id");
  return { request_id: requestId };
}

/** Body of POST /api/v1/get_info. */
export interface GetInfoRequest {
  model_id: string;
}

/** Encodes get_info. */
export function encodeGetInfoRequest(modelId: string): GetInfoRequest {
  assertString(modelId, "model_id");
  return { model_id: modelId };
}

/** Body of POST /api/v1/unload_model. */
export interface UnloadModelRequest {
  model_id: string;
}

/** Encodes unload_model. */
export function encodeUnloadModelRequest(modelId: string): UnloadModelRequest {
  assertString(modelId, "model_id");
  return { model_id: modelId };
}

/** Body of POST /api/v1/session_heartbeat. */
export interface SessionHeartbeatRequest {
  session_id: string;
}

/** Encodes session_heartbeat. */
export function encodeSessionHeartbeatRequest(sessionId: string): SessionHeartbeatRequest {
  assertString(sessionId, "session_id");
  return { session_id: sessionId };
}
