/** Parsers that check wire JSON against the response types; failures name the offending field. */
import { ValidationError } from "../errors/index.js";
import { parseQueueState, parseRequestErrorCategory } from "./enums.js";
import type {
  CreateModelResponse,
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
} from "./responses.js";
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

/** Parses an optim_step result. */
export function parseOptimStepResponse(json: unknown): OptimStepResponse {
  assertObject(json, "OptimStepResponse");
  return json.metrics == null ? { metrics: null } : { metrics: numberRecord(json.metrics, "metrics") };
}

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

/** True when a retrieve_future body reports failure (`{error, category}`). */
export function isRequestFailedResponse(json: unknown): boolean {
  return typeof json === "object" && json !== null && "error" in json && "category" in json;
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

/** Parses any response that only needs to be an object with the given string fields. */
export function parseObjectWith<T>(json: unknown, typeName: string, requiredStrings: readonly string[]): T {
  assertObject(json, typeName);
  for (const f of requiredStrings) assertString(json[f], f);
  return json as T;
}
