/** Parsers that check wire JSON against the response types; failures name the offending field. */
import { BadResponseError, ValidationError } from "../errors/index.js";
import { parseQueueState, parseRequestErrorCategory } from "./enums.js";
import type {
  CheckpointArchiveUrlResponse,
  CheckpointsListResponse,
  CreateModelResponse,
  CreateSamplingSessionResponse,
  CreateSessionResponse,
  GetServerCapabilitiesResponse,
  LoadWeightsResponse,
  SaveWeightsForSamplerResponse,
  SaveWeightsResponse,
  TrainingRun,
  TrainingRunsResponse,
  ForwardBackwardOutput,
  GetInfoResponse,
  GetSamplerResponse,
  LossFnOutput,
  OptimStepResponse,
  RequestFailedResponse,
  SampledSequence,
  SampleResponse,
  TryAgainResponse,
  UntypedAPIFuture,
  WeightsInfoResponse,
} from "./responses.js";
import {
  parseAuditLogResponse,
  parseBillingUsageResponse,
  parseGetSessionResponse,
  parseListSessionsResponse,
  parseTraceExportStatus,
} from "./parse-rest.js";
import { TensorData } from "./tensor-data.js";
import { assertFinite, assertInt, assertObject, assertString } from "./validation.js";

function numberRecord(value: unknown, field: string): Record<string, number> {
  assertObject(value, field);
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== "number") throw new ValidationError(`${field}.${k}`, "expected a number");
    out[k] = v;
  }
  return out;
}

function array(value: unknown, field: string): unknown[] {
  if (!Array.isArray(value)) throw new ValidationError(field, "expected an array");
  return value;
}

/** Parses a forward/forward_backward result; loss_fn_outputs become TensorData instances. */
export function parseForwardBackwardOutput(json: unknown): ForwardBackwardOutput {
  assertObject(json, "ForwardBackwardOutput");
  assertString(json.loss_fn_output_type, "loss_fn_output_type");
  const loss_fn_outputs = array(json.loss_fn_outputs, "loss_fn_outputs").map((o, i) => {
    assertObject(o, `loss_fn_outputs[${i}]`);
    const out: LossFnOutput = {};
    for (const [k, v] of Object.entries(o)) out[k] = TensorData.fromJSON(v, `loss_fn_outputs[${i}].${k}`);
    return out;
  });
  return {
    loss_fn_output_type: json.loss_fn_output_type,
    loss_fn_outputs,
    metrics: numberRecord(json.metrics, "metrics"),
  };
}

/** Parses an optim_step result (`metrics` an object of numbers, or null when absent). */
export function parseOptimStepResponse(json: unknown): OptimStepResponse {
  assertObject(json, "OptimStepResponse");
  if (json.metrics != null && (typeof json.metrics !== "object" || Array.isArray(json.metrics))) {
    throw new ValidationError("metrics", "Input should be a valid dictionary");
  }
  return json.metrics == null ? { metrics: null } : { metrics: numberRecord(json.metrics, "metrics") };
}

/** Parses a save_weights result. */
export function parseSaveWeightsResponse(json: unknown): SaveWeightsResponse {
  return parseObjectWith<SaveWeightsResponse>(json, "SaveWeightsResponse", ["path"]);
}

/** Parses a load_weights result. */
export function parseLoadWeightsResponse(json: unknown): LoadWeightsResponse {
  return parseObjectWith<LoadWeightsResponse>(json, "LoadWeightsResponse", []);
}

/** Parses a save_weights_for_sampler result (`path` and/or `sampling_session_id`). */
export function parseSaveWeightsForSamplerResponse(json: unknown): SaveWeightsForSamplerResponse {
  return parseObjectWith<SaveWeightsForSamplerResponse>(json, "SaveWeightsForSamplerResponse", []);
}

/** Parses a create_session result; `session_id` must be a non-empty string. */
export function parseCreateSessionResponse(json: unknown): CreateSessionResponse {
  const out = parseObjectWith<CreateSessionResponse>(json, "CreateSessionResponse", ["session_id"]);
  if (out.session_id === "") throw new ValidationError("session_id", "must not be empty");
  return out;
}

/** Parses a create_sampling_session result. */
export function parseCreateSamplingSessionResponse(json: unknown): CreateSamplingSessionResponse {
  return parseObjectWith<CreateSamplingSessionResponse>(json, "CreateSamplingSessionResponse", [
    "sampling_session_id",
  ]);
}

/** Parses a get_server_capabilities result. */
export function parseGetServerCapabilitiesResponse(json: unknown): GetServerCapabilitiesResponse {
  assertObject(json, "GetServerCapabilitiesResponse");
  array(json.supported_models, "supported_models");
  return json as unknown as GetServerCapabilitiesResponse;
}

/** Parses a training run. */
export function parseTrainingRun(json: unknown, field = "TrainingRun"): TrainingRun {
  assertObject(json, field);
  for (const f of ["training_run_id", "base_model"]) assertString(json[f], `${field}.${f}`);
  return json as unknown as TrainingRun;
}

/** Parses a page of training runs. */
export function parseTrainingRunsResponse(json: unknown): TrainingRunsResponse {
  assertObject(json, "TrainingRunsResponse");
  array(json.training_runs, "training_runs").forEach((r, i) => {
    parseTrainingRun(r, `training_runs[${i}]`);
  });
  assertObject(json.cursor, "cursor");
  return json as unknown as TrainingRunsResponse;
}

/** Parses a list of checkpoints. */
export function parseCheckpointsListResponse(json: unknown): CheckpointsListResponse {
  assertObject(json, "CheckpointsListResponse");
  array(json.checkpoints, "checkpoints").forEach((c, i) => {
    assertObject(c, `checkpoints[${i}]`);
    assertString(c.checkpoint_id, `checkpoints[${i}].checkpoint_id`);
  });
  return json as unknown as CheckpointsListResponse;
}

/** Parses the JSON form of an archive URL answer (the usual answer is a 302, read from its headers). */
export function parseCheckpointArchiveUrlResponse(json: unknown): CheckpointArchiveUrlResponse {
  return parseObjectWith<CheckpointArchiveUrlResponse>(json, "CheckpointArchiveUrlResponse", ["url"]);
}

/**
 * Wrap a parser so that a malformed answer fails as a {@link BadResponseError} ("Error retrieving
 * result: …", as 0.4.1's ValueError), with the field check that failed as its `cause`; never retried.
 */
export function responseParser<T>(typeName: string, parse: (json: unknown) => T): (json: unknown) => T {
  return (json) => {
    try {
      return parse(json);
    } catch (error) {
      if (error instanceof BadResponseError) throw error;
      const msg = error instanceof Error ? error.message : String(error);
      throw new BadResponseError(`Error retrieving result: ${msg} (expected ${typeName})`, {
        body: json,
        cause: error,
        field: error instanceof ValidationError ? error.field : undefined,
      });
    }
  };
}

/** The response parser of every endpoint, each failing with BadResponseError (see {@link responseParser}). */
export const RESPONSES = {
  untypedFuture: responseParser("UntypedAPIFuture", parseUntypedAPIFuture),
  createSession: responseParser("CreateSessionResponse", parseCreateSessionResponse),
  createModel: responseParser("CreateModelResponse", parseCreateModelResponse),
  createSamplingSession: responseParser("CreateSamplingSessionResponse", parseCreateSamplingSessionResponse),
  getServerCapabilities: responseParser("GetServerCapabilitiesResponse", parseGetServerCapabilitiesResponse),
  forwardBackward: responseParser("ForwardBackwardOutput", parseForwardBackwardOutput),
  optimStep: responseParser("OptimStepResponse", parseOptimStepResponse),
  saveWeights: responseParser("SaveWeightsResponse", parseSaveWeightsResponse),
  loadWeights: responseParser("LoadWeightsResponse", parseLoadWeightsResponse),
  saveWeightsForSampler: responseParser("SaveWeightsForSamplerResponse", parseSaveWeightsForSamplerResponse),
  sample: responseParser("SampleResponse", parseSampleResponse),
  getInfo: responseParser("GetInfoResponse", parseGetInfoResponse),
  getSampler: responseParser("GetSamplerResponse", parseGetSamplerResponse),
  trainingRun: responseParser("TrainingRun", (json) => parseTrainingRun(json)),
  trainingRuns: responseParser("TrainingRunsResponse", parseTrainingRunsResponse),
  checkpoints: responseParser("CheckpointsListResponse", parseCheckpointsListResponse),
  checkpointArchiveUrl: responseParser("CheckpointArchiveUrlResponse", parseCheckpointArchiveUrlResponse),
  weightsInfo: responseParser("WeightsInfoResponse", parseWeightsInfoResponse),
  listSessions: responseParser("ListSessionsResponse", parseListSessionsResponse),
  getSession: responseParser("GetSessionResponse", parseGetSessionResponse),
  auditLog: responseParser("AuditLogResponse", parseAuditLogResponse),
  billingUsage: responseParser("BillingUsageResponse", parseBillingUsageResponse),
  traceExport: responseParser("TraceExportStatus", parseTraceExportStatus),
} as const;

function parseSequence(json: unknown, field: string): SampledSequence {
  assertObject(json, field);
  if (json.stop_reason !== "length" && json.stop_reason !== "stop") {
    throw new ValidationError(
      `${field}.stop_reason`,
      `expected "length" or "stop", got ${String(json.stop_reason)}`,
    );
  }
  const tokens = array(json.tokens, `${field}.tokens`);
  tokens.forEach((t, i) => {
    assertInt(t, `${field}.tokens[${i}]`);
  });
  const seq: SampledSequence = { stop_reason: json.stop_reason, tokens: tokens as number[] };
  if (json.logprobs != null) {
    const lp = array(json.logprobs, `${field}.logprobs`);
    lp.forEach((v, i) => {
      assertFinite(v, `${field}.logprobs[${i}]`);
    });
    seq.logprobs = lp as number[];
  } else seq.logprobs = null;
  return seq;
}

/** Parses an asample result. */
export function parseSampleResponse(json: unknown): SampleResponse {
  assertObject(json, "SampleResponse");
  const sequences = array(json.sequences, "sequences").map((s, i) => parseSequence(s, `sequences[${i}]`));
  const out: SampleResponse = {
    type: "sample",
    sequences,
    prompt_logprobs: null,
    topk_prompt_logprobs: null,
  };
  if (json.prompt_logprobs != null) {
    const pl = array(json.prompt_logprobs, "prompt_logprobs");
    pl.forEach((v, i) => {
      if (v !== null && typeof v !== "number")
        throw new ValidationError(`prompt_logprobs[${i}]`, "expected a number or null");
    });
    out.prompt_logprobs = pl as Array<number | null>;
  }
  if (json.topk_prompt_logprobs != null) {
    out.topk_prompt_logprobs = array(json.topk_prompt_logprobs, "topk_prompt_logprobs") as Array<Array<
      [number, number]
    > | null>;
  }
  if (json.prompt_cache_hit_tokens != null) {
    assertInt(json.prompt_cache_hit_tokens, "prompt_cache_hit_tokens");
    out.prompt_cache_hit_tokens = json.prompt_cache_hit_tokens;
  }
  return out;
}

/** Parses the immediate future handle returned by submit endpoints. */
export function parseUntypedAPIFuture(json: unknown): UntypedAPIFuture {
  assertObject(json, "UntypedAPIFuture");
  assertString(json.request_id, "request_id");
  const out: UntypedAPIFuture = { request_id: json.request_id };
  if (json.model_id != null) {
    assertString(json.model_id, "model_id");
    out.model_id = json.model_id;
  }
  return out;
}

/** True when a retrieve_future body is a try_again answer. */
export function isTryAgainResponse(json: unknown): boolean {
  return typeof json === "object" && json !== null && (json as { type?: unknown }).type === "try_again";
}

/** Parses a try_again answer; unknown queue states become "unknown". */
export function parseTryAgainResponse(json: unknown): TryAgainResponse {
  assertObject(json, "TryAgainResponse");
  const out: TryAgainResponse = {
    type: "try_again",
    request_id: typeof json.request_id === "string" ? json.request_id : "",
    queue_state: parseQueueState(json.queue_state),
  };
  if (typeof json.queue_state_reason === "string") out.queue_state_reason = json.queue_state_reason;
  return out;
}

/**
 * True when a retrieve_future body reports failure. 0.4.1 looks only for an `error` key; a missing
 * or unknown `category` becomes "unknown".
 */
export function isRequestFailedResponse(json: unknown): boolean {
  return typeof json === "object" && json !== null && !Array.isArray(json) && "error" in json;
}

/** Parses a failure answer; the category is normalised as 0.4.1 does. */
export function parseRequestFailedResponse(json: unknown): RequestFailedResponse {
  assertObject(json, "RequestFailedResponse");
  return { error: String(json.error), category: parseRequestErrorCategory(json.category) };
}

/** Parses a create_model result. */
export function parseCreateModelResponse(json: unknown): CreateModelResponse {
  assertObject(json, "CreateModelResponse");
  assertString(json.model_id, "model_id");
  return { type: "create_model", model_id: json.model_id };
}

/** Parses a get_info result. */
export function parseGetInfoResponse(json: unknown): GetInfoResponse {
  assertObject(json, "GetInfoResponse");
  assertString(json.model_id, "model_id");
  assertObject(json.model_data, "model_data");
  return json as unknown as GetInfoResponse;
}

/** Parses a sampler description. */
export function parseGetSamplerResponse(json: unknown): GetSamplerResponse {
  assertObject(json, "GetSamplerResponse");
  assertString(json.sampler_id, "sampler_id");
  assertString(json.base_model, "base_model");
  const modelPath = json.model_path;
  if (modelPath !== undefined && modelPath !== null) assertString(modelPath, "model_path");
  return { sampler_id: json.sampler_id, base_model: json.base_model, model_path: modelPath ?? null };
}

/** Parses a weights_info answer (base model and LoRA settings of a checkpoint). */
export function parseWeightsInfoResponse(json: unknown): WeightsInfoResponse {
  assertObject(json, "WeightsInfoResponse");
  assertString(json.base_model, "base_model");
  if (typeof json.is_lora !== "boolean") throw new ValidationError("is_lora", "expected a boolean");
  if (json.lora_rank != null) assertInt(json.lora_rank, "lora_rank");
  for (const k of ["train_unembed", "train_mlp", "train_attn"]) {
    if (json[k] != null && typeof json[k] !== "boolean") throw new ValidationError(k, "expected a boolean");
  }
  return json as unknown as WeightsInfoResponse;
}

/** Parses any response that only needs to be an object with the given string fields. */
export function parseObjectWith<T>(json: unknown, typeName: string, requiredStrings: readonly string[]): T {
  assertObject(json, typeName);
  for (const f of requiredStrings) assertString(json[f], f);
  return json as T;
}
